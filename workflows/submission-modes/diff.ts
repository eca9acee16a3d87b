import { ActivityFailure, ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { BountyEvalActivities } from '../../activities/bounty-eval';
import type { EvalOutcome } from '../../domain/bounty/eval-outcome';
import { judgeSubmission } from '../../domain/bounty/judge';
import type { SubmissionEvidence } from '../../domain/bounty/judge';
import { ACTIVITY_PROFILES } from '../../temporal-config';
import type { OpenEscrow } from '../escrow-step';
import { openEscrow } from '../escrow-step';
import type { SubmissionMode, SubmissionStep } from '../paid-submission';
import type { BountyEntry, BountySubmissionResult, BountyTurn, Decision } from '../submission-definitions';

const control = proxyActivities<Activities>(ACTIVITY_PROFILES.database);
const validation = proxyActivities<BountyEvalActivities>(ACTIVITY_PROFILES.validation);

type BountyDecision = Extract<Decision, { mode: 'bounty' }>;

/** The bounty decides at once on the evidence (a pure rule): this only bounds a parent that stopped answering. */
const DECIDE_WITHIN_SECONDS = 600;

const failureType = (err: unknown) =>
  err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
    ? (err.cause.type ?? 'EVAL_FAILED')
    : undefined;

const recordOf = ({ entry, turn, admitted, stake }: SubmissionStep<BountyEntry, BountyTurn>) => ({
  id: admitted.submissionId,
  bountyId: turn.bountyId,
  escrowId: admitted.escrowId,
  agentPublicKey: entry.agentPublicKey,
  diffHash: entry.diffHash,
  claimedScore: entry.claimedScore,
  stakeHash: stake?.paymentHash ?? null,
});

/**
 * A bounty diff: pre-checked against the baseline of its turn, its reward escrow locked on the agent's node, then
 * the sandboxed evals on the validation queue (public re-runs, canaries, held-out runs); the bounty judges the
 * evidence by the published rules.
 */
export const diffMode: SubmissionMode<
  BountyEntry,
  BountyTurn,
  SubmissionEvidence,
  BountyDecision,
  BountySubmissionResult
> = {
  closedCode: 'BOUNTY_NOT_OPEN',

  async validate(step) {
    const { entry, turn, admitted } = step;
    await control.recordBountySubmission({ ...recordOf(step), status: 'PENDING' });
    const candidate = {
      bundle: turn.bundle,
      baselineSha256: turn.baselineSha256,
      diffSha256: entry.diffSha256,
    };
    const check = await validation.checkDiff(candidate);
    const evidence: SubmissionEvidence = {
      direction: turn.direction,
      bestScore: turn.bestScore,
      tolerances: turn.tolerances,
      claimedPublicScore: entry.claimedScore,
      ...(check.ok ? {} : { diffRejection: check.rejection }),
      ...(turn.copiedFrom === undefined ? {} : { copiedFrom: turn.copiedFrom }),
      publicRuns: [],
      heldOutRuns: [],
      canaryRuns: [],
    };
    let escrow: OpenEscrow | null = null;
    if (check.ok && turn.copiedFrom === undefined) {
      escrow = await openEscrow(admitted.escrowId, entry.agentPublicKey, turn.payoutRule, turn.escrow);
      try {
        evidence.publicRuns = await validation.evalSplit({
          ...candidate,
          split: 'public',
          runs: turn.repeatRuns,
        });
        evidence.canaryRuns = await validation.evalCanaries(candidate);
        // Abusive already (claim not reproduced, canary failed): the held-out split is not worth running.
        if (!judgeSubmission(evidence).abusive) {
          evidence.heldOutRuns = await validation.evalSplit({
            ...candidate,
            split: 'held-out',
            runs: turn.repeatRuns,
          });
        }
      } catch (err) {
        const code = failureType(err);
        if (code === undefined) throw err;
        log.warn('bounty eval failed for good', { submissionId: admitted.submissionId, code });
        const failed: EvalOutcome = { kind: 'error', code: 'EVAL_FAILED', detail: code };
        evidence.publicRuns = [...evidence.publicRuns, failed];
      }
    }
    return {
      report: { mode: 'bounty', submissionId: admitted.submissionId, evidence },
      refusedStake: null,
      escrow,
      facts: evidence,
    };
  },

  decideWithinSeconds: () => DECIDE_WITHIN_SECONDS,

  // Judged by the same rule the bounty applies; nothing is revealed without the bounty's word.
  noDecision: (evidence) => ({ mode: 'bounty', judgement: judgeSubmission(evidence), reveal: 0 }),

  release: ({ judgement, reveal }) => ({ reveal, stake: judgement.stake }),

  async finish(step, { facts: evidence }, decision, stakeVerdict, paid) {
    const judgement = decision?.judgement ?? judgeSubmission(evidence);
    const runs = [
      ...evidence.publicRuns,
      ...evidence.canaryRuns.map((c) => c.outcome),
      ...evidence.heldOutRuns,
    ];
    const limitsModes = [...new Set(runs.flatMap((run) => (run.limits ? [run.limits] : [])))];
    await control.recordBountySubmission({
      ...recordOf(step),
      status: judgement.verdict === 'accepted' ? 'ACCEPTED' : 'REJECTED',
      reason: judgement.reason,
      publicScore: judgement.publicScore,
      heldOutScore: judgement.heldOutScore,
      improvement: judgement.improvement,
      payoutSats: paid.paidSats,
      ...(step.stake ? { stakeOutcome: stakeVerdict } : {}),
      limitsMode: limitsModes.length > 0 ? limitsModes.join(',') : null,
    });
    return {
      submissionId: step.admitted.submissionId,
      evidence,
      judgement,
      revealed: decision?.reveal ?? 0,
      paidSats: paid.paidSats,
      feeSats: paid.feeSats,
      stake: step.stake ? stakeVerdict : null,
    };
  },
};
