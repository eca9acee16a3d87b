import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  log,
  proxyActivities,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BountyEvalActivities } from '../activities/bounty-eval';
import type { EvalOutcome } from '../domain/bounty/eval-outcome';
import { judgeSubmission } from '../domain/bounty/judge';
import type { Judgement, SubmissionEvidence, Tolerances } from '../domain/bounty/judge';
import type { PayoutRule } from '../domain/money/payout';
import { splitIntoTranches } from '../domain/money/tranches';
import { ACTIVITY_PROFILES, TASK_QUEUES } from '../temporal-config';
import { bountyReveal } from '../domain/bounty/reveal';
import type { BountySubmissionRequest, StakeVerdict } from './definitions';
import { escrowWorkflowId, releaseEscrowSignal } from './definitions';
import { rewardEscrow } from './reward-escrow';
import type { EscrowSettings, RewardEscrowResult } from './reward-escrow';
import { resolveHeldStake } from './stake-verdict';

const control = proxyActivities<Activities>(ACTIVITY_PROFILES.database);
const validation = proxyActivities<BountyEvalActivities>(ACTIVITY_PROFILES.validation);

export interface BountySubmissionInput extends BountySubmissionRequest {
  bountyId: string;
  bundle: string;
  /** The baseline and best score at this submission's turn: it is judged against them. */
  baselineSha256: string;
  bestScore: number;
  direction: 'higher' | 'lower';
  tolerances: Tolerances;
  repeatRuns: number;
  payoutRule: PayoutRule;
  escrow: EscrowSettings;
  /** Set by the bounty when an earlier pending or accepted submission by another agent has the same diff hash. */
  copiedFrom?: string;
}

export interface BountySubmissionResult {
  /** What the judgement was made on: what an audit re-runs the evals against. */
  evidence: SubmissionEvidence;
  judgement: Judgement;
  revealed: number;
  paidSats: number;
  feeSats: number;
  stake: StakeVerdict | null;
}

const failureType = (err: unknown) =>
  err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
    ? (err.cause.type ?? 'EVAL_FAILED')
    : undefined;

/**
 * One bounty submission: pre-check the diff, lock the reward escrow, run the sandboxed evals on the validation
 * queue (public re-runs, canaries, held-out runs), judge by the published rules, release the tranches earned,
 * give the stake its verdict, record. Every decision is a pure function of what the activities returned.
 */
export async function bountySubmission(input: BountySubmissionInput): Promise<BountySubmissionResult> {
  const record = (fields: Partial<Parameters<Activities['recordBountySubmission']>[0]>) =>
    control.recordBountySubmission({
      id: input.submissionId,
      bountyId: input.bountyId,
      escrowId: input.escrowId,
      agentPublicKey: input.agentPublicKey,
      diffHash: input.diffHash,
      claimedScore: input.claimedScore,
      stakeHash: input.stake?.paymentHash ?? null,
      status: 'PENDING',
      ...fields,
    });
  await record({});

  const candidate = {
    bundle: input.bundle,
    baselineSha256: input.baselineSha256,
    diffSha256: input.diffSha256,
  };
  const check = await validation.checkDiff(candidate);
  const evidence: SubmissionEvidence = {
    direction: input.direction,
    bestScore: input.bestScore,
    tolerances: input.tolerances,
    claimedPublicScore: input.claimedScore,
    ...(check.ok ? {} : { diffRejection: check.rejection }),
    ...(input.copiedFrom === undefined ? {} : { copiedFrom: input.copiedFrom }),
    publicRuns: [],
    heldOutRuns: [],
    canaryRuns: [],
  };

  let escrow: Promise<RewardEscrowResult> | null = null;
  let release: ((reveal: number) => Promise<void>) | null = null;
  if (check.ok && input.copiedFrom === undefined) {
    const child = await startChild(rewardEscrow, {
      workflowId: escrowWorkflowId(input.escrowId),
      taskQueue: TASK_QUEUES.control,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          escrowId: input.escrowId,
          earnerPublicKey: input.agentPublicKey,
          trancheSats: splitIntoTranches(input.payoutRule.capSats, input.payoutRule.trancheCount),
          ...input.escrow,
        },
      ],
    });
    escrow = child.result();
    release = (reveal) => child.signal(releaseEscrowSignal, { reveal });
    try {
      evidence.publicRuns = await validation.evalSplit({
        ...candidate,
        split: 'public',
        runs: input.repeatRuns,
      });
      evidence.canaryRuns = await validation.evalCanaries(candidate);
      // Abusive already (claim not reproduced, canary failed): the held-out split is not worth running.
      if (!judgeSubmission(evidence).abusive) {
        evidence.heldOutRuns = await validation.evalSplit({
          ...candidate,
          split: 'held-out',
          runs: input.repeatRuns,
        });
      }
    } catch (err) {
      const code = failureType(err);
      if (code === undefined) throw err;
      log.warn('bounty eval failed for good', { submissionId: input.submissionId, code });
      const failed: EvalOutcome = { kind: 'error', code: 'EVAL_FAILED', detail: code };
      evidence.publicRuns = [...evidence.publicRuns, failed];
    }
  }

  const judgement = judgeSubmission(evidence);
  const runs = [
    ...evidence.publicRuns,
    ...evidence.canaryRuns.map((c) => c.outcome),
    ...evidence.heldOutRuns,
  ];
  const limitsModes = [...new Set(runs.flatMap((run) => (run.limits ? [run.limits] : [])))];
  const revealed = bountyReveal(judgement, input.payoutRule);
  let paid = { paidSats: 0, feeSats: 0 };
  if (escrow && release) {
    // The escrow may have ended on its own (no invoices in time); then there is nothing to release.
    await release(revealed).catch((err: unknown) => log.info('escrow already ended', { err: String(err) }));
    const result = await escrow;
    paid = { paidSats: result.paidSats, feeSats: result.feeSats };
  }

  if (input.stake) {
    await resolveHeldStake(input.stake, judgement.stake);
  }
  await record({
    status: judgement.verdict === 'accepted' ? 'ACCEPTED' : 'REJECTED',
    reason: judgement.reason,
    publicScore: judgement.publicScore,
    heldOutScore: judgement.heldOutScore,
    improvement: judgement.improvement,
    payoutSats: paid.paidSats,
    ...(input.stake ? { stakeOutcome: judgement.stake } : {}),
    limitsMode: limitsModes.length > 0 ? limitsModes.join(',') : null,
  });
  return {
    evidence,
    judgement,
    revealed,
    ...paid,
    stake: input.stake ? judgement.stake : null,
  };
}
