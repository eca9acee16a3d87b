import {
  ParentClosePolicy,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TrainingValidationActivities } from '../activities/training-validation';
import { stakeVerdictFor } from '../domain/training/decide';
import { splitIntoTranches } from '../domain/money/tranches';
import { ACTIVITY_PROFILES } from '../temporal-config';
import type { StakeVerdict } from './definitions';
import { escrowWorkflowId, releaseEscrowSignal } from './definitions';
import { rewardEscrow } from './reward-escrow';
import { resolveHeldStake } from './stake-verdict';
import type {
  GradientSubmission,
  RoundSettings,
  RoundVerdict,
  SubmissionOutcome,
} from './training-definitions';
import { scoredSignal, verdictSignal } from './training-definitions';

const validation = proxyActivities<TrainingValidationActivities>(ACTIVITY_PROFILES.validation);
const control = proxyActivities<Activities>(ACTIVITY_PROFILES.database);

export interface TrainingSubmissionInput {
  runId: string;
  submissionId: string;
  escrowId: string;
  roundWorkflowId: string;
  submission: GradientSubmission;
  heldOutSeed: number;
  settings: RoundSettings;
}

/**
 * One peer's update in one round: pre-checks, reward escrow locked on the peer's node, scoring on the validation
 * queue, then the round's verdict (decided by the parent from every score) reveals the earned tranches and gives
 * the stake, if one is held, its due: forfeited for a malformed payload or a copy, refunded otherwise.
 */
export async function trainingSubmission(input: TrainingSubmissionInput): Promise<SubmissionOutcome> {
  const { submission, settings } = input;
  const round = getExternalWorkflowHandle(input.roundWorkflowId);
  let verdict: RoundVerdict | null = null;
  setHandler(verdictSignal, (decided) => {
    verdict ??= decided;
  });
  const outcome = (
    fields: Omit<SubmissionOutcome, 'submissionId' | 'peerId' | 'escrowId' | 'stake'>,
    stakeVerdict: StakeVerdict,
  ): SubmissionOutcome => ({
    submissionId: input.submissionId,
    peerId: submission.peerId,
    escrowId: input.escrowId,
    ...fields,
    stake: submission.stake ? stakeVerdict : null,
  });
  const resolveStake = async (stakeVerdict: StakeVerdict) => {
    if (submission.stake) await resolveHeldStake(submission.stake, stakeVerdict);
  };
  const record = (result: SubmissionOutcome, lossBefore: number | null, lossAfter: number | null) =>
    control.recordTrainingSubmission({
      submissionId: input.submissionId,
      runId: input.runId,
      round: submission.round,
      peerId: submission.peerId,
      payloadHash: submission.payload.sha256,
      lossBefore,
      lossAfter,
      accepted: result.accepted,
      reason: result.reason,
      revealed: result.revealed,
      paidSats: result.paidSats,
      stakeHash: submission.stake?.paymentHash ?? null,
      stakeOutcome: result.stake,
    });

  /** A payload refused for what it holds: the round hears no score, the stake is forfeited, nothing is paid. */
  const refuse = async (code: string, release: () => Promise<number>) => {
    await round.signal(scoredSignal, {
      submissionId: input.submissionId,
      evidence: null,
      lossBefore: null,
      lossAfter: null,
      precheckFailure: code,
    });
    const malformed = stakeVerdictFor('malformed-payload');
    await resolveStake(malformed);
    const paidSats = await release();
    const rejected = outcome(
      { accepted: false, reason: code, lossDelta: null, revealed: 0, paidSats },
      malformed,
    );
    await record(rejected, null, null);
    return rejected;
  };

  const precheck = await validation.precheckGradient({
    payloadSha256: submission.payload.sha256,
    compression: settings.compression,
  });
  if (!precheck.ok) return refuse(precheck.code, async () => 0);

  const trancheSats = splitIntoTranches(settings.payout.capSats, settings.payout.trancheCount);
  const escrow = await startChild(rewardEscrow, {
    workflowId: escrowWorkflowId(input.escrowId),
    // Locked sats must reach their own end (reveal or return), whatever happens to this workflow.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    args: [
      {
        escrowId: input.escrowId,
        earnerPublicKey: submission.earnerPublicKey,
        trancheSats,
        ...settings.escrow,
      },
    ],
  });

  const scored = await validation.scoreGradient({
    submissionId: input.submissionId,
    checkpointHash: submission.checkpointHash,
    payloadSha256: submission.payload.sha256,
    compression: settings.compression,
    heldOutSeed: input.heldOutSeed,
    outerLearningRate: settings.outerLearningRate,
  });
  if (!scored.ok)
    return refuse(scored.code, async () => {
      await escrow.signal(releaseEscrowSignal, { reveal: 0 });
      return (await escrow.result()).paidSats;
    });
  await round.signal(scoredSignal, {
    submissionId: input.submissionId,
    evidence: scored.evidence,
    lossBefore: scored.lossBefore,
    lossAfter: scored.lossAfter,
    precheckFailure: null,
  });

  const decidedInTime = await condition(
    () => verdict !== null,
    (settings.scoreWithinSeconds + settings.escrow.decideWithinSeconds) * 1000,
  );
  const decided: RoundVerdict =
    decidedInTime && verdict ? verdict : { accepted: false, reason: 'no-verdict', reveal: 0 };
  const reveal = decided.accepted ? decided.reveal : 0;
  await escrow.signal(releaseEscrowSignal, { reveal });
  const stakeVerdict = stakeVerdictFor(decided.reason);
  await resolveStake(stakeVerdict);
  const paid = await escrow.result();

  const result = outcome(
    {
      accepted: decided.accepted,
      reason: decided.reason,
      lossDelta: scored.evidence.lossDelta,
      revealed: paid.revealed,
      paidSats: paid.paidSats,
    },
    stakeVerdict,
  );
  await record(result, scored.lossBefore, scored.lossAfter);
  return result;
}
