import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { HeldStake, StakeVerdict } from './definitions';
import type { OpenEscrow } from './escrow-step';
import { NOTHING_PAID } from './escrow-step';
import type { RewardEscrowResult } from './reward-escrow';
import { holdStake } from './stake';
import type { StakeResult } from './stake';
import type {
  Admission,
  Admitted,
  Decision,
  EvidenceReport,
  OutcomeReport,
  PaidSubmissionInput,
  PaidSubmissionResult,
  SubmissionRequest,
  SubmissionTurn,
} from './submission-definitions';
import {
  admissionSignal,
  admitSignal,
  decisionSignal,
  evidenceSignal,
  outcomeSignal,
  submitUpdate,
  turnSignal,
} from './submission-definitions';
import { diffMode } from './submission-modes/diff';
import { gradientMode } from './submission-modes/gradient';

/** Longest wait for the parent's answer to `admit`: one workflow task of the parent's, on a busy server. */
const ADMIT_WITHIN_SECONDS = 120;
/** Longest wait for the request of a submission with no stake (it comes with the start). */
const REQUEST_WITHIN_SECONDS = 60;

/** One submission's steps, as a mode (training, bounty) takes them. */
export interface SubmissionStep<Entry, Turn> {
  workflowId: string;
  entry: Entry;
  turn: Turn;
  admitted: Admitted;
  stake: HeldStake | null;
}

/** What validation found: the report the parent hears, and the escrow opened for it, if any. */
export interface Validated<Facts> {
  report: EvidenceReport;
  /** Set when the submission refused itself (a malformed payload): no decision is awaited, this is the stake's. */
  refusedStake: StakeVerdict | null;
  escrow: OpenEscrow | null;
  facts: Facts;
}

/** What a mode brings to the saga: its validation, how to read its parent's decision, its record. */
export interface SubmissionMode<Entry, Turn, Facts, ModeDecision, Outcome> {
  /** The code of a refusal when the parent is gone (its workflow has ended). */
  closedCode: string;
  validate(step: SubmissionStep<Entry, Turn>): Promise<Validated<Facts>>;
  decideWithinSeconds(turn: Turn): number;
  /** The decision when none came in time. */
  noDecision(facts: Facts): ModeDecision;
  release(decision: ModeDecision): { reveal: number; stake: StakeVerdict };
  /** Records the decided submission and says what it came to. */
  finish(
    step: SubmissionStep<Entry, Turn>,
    validated: Validated<Facts>,
    decision: ModeDecision | null,
    stake: StakeVerdict,
    paid: Pick<RewardEscrowResult, 'revealed' | 'paidSats' | 'feeSats'>,
  ): Promise<Outcome>;
}

/**
 * One paid submission of either mode, from its first 402 to its last sat: it holds its stake (when one is asked),
 * takes the API's request, asks its parent (round or bounty) for admission, waits for its turn, validates (opening
 * the reward escrow), hands its evidence up, takes the parent's one decision, releases the escrow, ends the stake
 * by the published rule and reports the outcome. Every refusal along the way refunds the stake here.
 */
export async function paidSubmission(input: PaidSubmissionInput): Promise<PaidSubmissionResult> {
  const { workflowId } = workflowInfo();
  let request = null as SubmissionRequest | null;
  let admission = null as Admission | null;
  let turn = null as SubmissionTurn | null;
  let decision = null as Decision | null;
  let stakeVerdict = null as StakeVerdict | null;
  let held = null as HeldStake | null;
  let stakeResult = null as StakeResult | null;

  setHandler(
    submitUpdate,
    async (submitted) => {
      request = submitted;
      await condition(() => admission !== null);
      if (admission && 'admitted' in admission) return admission.admitted;
      const code = admission?.refused ?? 'REFUSED';
      throw ApplicationFailure.create({
        type: code,
        message: `submission refused: ${code}`,
        nonRetryable: true,
      });
    },
    {
      validator: (_submitted: SubmissionRequest) => {
        if (request !== null)
          throw ApplicationFailure.create({
            type: 'SUBMISSION_EXISTS',
            message: 'this stake already carries a submission',
            nonRetryable: true,
          });
      },
    },
  );
  setHandler(admissionSignal, (answer) => {
    admission ??= answer;
  });
  setHandler(turnSignal, (given) => {
    turn ??= given;
  });
  setHandler(decisionSignal, (decided) => {
    decision ??= decided;
  });

  const stakeEnded: Promise<StakeResult | null> = input.stake
    ? holdStake(
        input.stake,
        () => stakeVerdict,
        ({ paymentHash }) => {
          held = { workflowId, paymentHash };
        },
      ).then((result) => (stakeResult = result))
    : Promise.resolve(null);

  const end = async (
    refused: string | null,
    outcome: OutcomeReport | null,
    verdict: StakeVerdict,
  ): Promise<PaidSubmissionResult> => {
    admission ??= { refused: refused ?? 'REFUSED' };
    stakeVerdict ??= verdict;
    const ended = await stakeEnded;
    return { refused, outcome, stake: ended && { paymentHash: ended.paymentHash, outcome: ended.outcome } };
  };

  if (input.stake) {
    await condition(() => held !== null || stakeResult !== null);
    if (!held) return end('STAKE_UNPAID', null, 'refund');
    // A paid stake waits for its request as long as it waits for any verdict: its own timer ends it unused.
    await condition(() => request !== null || stakeResult !== null);
  } else await condition(() => request !== null, `${REQUEST_WITHIN_SECONDS} s`);
  if (!request || stakeResult !== null) return end('SUBMISSION_EXPIRED', null, 'refund');
  const submitted: SubmissionRequest = request;
  const mode = submitted.mode === 'training' ? gradientMode : diffMode;

  const parent = getExternalWorkflowHandle(submitted.parentWorkflowId);
  const asked = await parent.signal(admitSignal, { ...submitted, workflowId, stake: held }).then(
    () => true,
    () => false,
  );
  if (!asked || !(await condition(() => admission !== null, `${ADMIT_WITHIN_SECONDS} s`)))
    return end(mode.closedCode, null, 'refund');
  const answer = admission as Admission | null;
  if (!answer || 'refused' in answer) return end(answer?.refused ?? mode.closedCode, null, 'refund');
  const { admitted } = answer;
  if (!(await condition(() => turn !== null, `${admitted.turnWithinSeconds} s`)) || !turn) {
    log.warn('admitted, but the parent gave no turn; refunding', { workflowId });
    return end('NO_TURN', null, 'refund');
  }

  // Each branch is the same saga; the casts name the mode its parent answers in (the parent checks the mode).
  const outcome: OutcomeReport =
    submitted.mode === 'training'
      ? { mode: 'training', ...(await runSaga(gradientMode, submitted.entry, turn as never)) }
      : { mode: 'bounty', ...(await runSaga(diffMode, submitted.entry, turn as never)) };
  await parent
    .signal(outcomeSignal, outcome)
    .catch((err: unknown) => log.warn('the parent has ended; outcome not delivered', { err: String(err) }));
  return end(null, outcome, stakeVerdict ?? 'refund');

  async function runSaga<Entry, Turn, Facts, ModeDecision, Outcome>(
    modeOf: SubmissionMode<Entry, Turn, Facts, ModeDecision, Outcome>,
    entry: Entry,
    given: Turn,
  ): Promise<Outcome> {
    const step: SubmissionStep<Entry, Turn> = { workflowId, entry, turn: given, admitted, stake: held };
    const validated = await modeOf.validate(step);
    await parent.signal(evidenceSignal, validated.report).catch((err: unknown) => {
      log.warn('the parent has ended; evidence not delivered', { err: String(err) });
    });
    let decided: ModeDecision | null = null;
    let release = { reveal: 0, stake: validated.refusedStake ?? 'refund' };
    if (validated.refusedStake === null) {
      const inTime = await condition(() => decision !== null, `${modeOf.decideWithinSeconds(given)} s`);
      decided = inTime && decision ? (decision as ModeDecision) : modeOf.noDecision(validated.facts);
      release = modeOf.release(decided);
    }
    stakeVerdict = release.stake;
    const paid = validated.escrow ? await validated.escrow.release(release.reveal) : NOTHING_PAID;
    return modeOf.finish(step, validated, decided, release.stake, paid);
  }
}
