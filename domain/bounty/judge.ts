import type { EvalOutcome } from './eval-outcome';

export type Direction = 'higher' | 'lower';

export interface Tolerances {
  /** The claimed public score must be within max(claimAbsolute, claimRelative * |re-run|) of the re-run. */
  claimAbsolute: number;
  claimRelative: number;
  /** Repeat runs on one split must all lie within this distance of each other. */
  stability: number;
  /** The held-out score must beat the current best by more than this. */
  minImprovement: number;
}

/** A canary probe: an eval run on a split whose correct score is known in advance. */
export interface CanaryProbe {
  name: string;
  split: string;
  expectedScore: number;
  tolerance: number;
}

export interface CanaryRun {
  probe: CanaryProbe;
  outcome: EvalOutcome;
}

/** Why the diff was refused before any eval (see `applyDiff`). */
export type DiffRejection =
  'DIFF_MALFORMED' | 'DIFF_TOO_LARGE' | 'DIFF_TOUCHES_FORBIDDEN_FILE' | 'DIFF_DOES_NOT_APPLY';

export interface SubmissionEvidence {
  direction: Direction;
  /** The bounty's current best held-out score (the baseline's until a submission is accepted). */
  bestScore: number;
  tolerances: Tolerances;
  claimedPublicScore: number;
  diffRejection?: DiffRejection;
  /** Set when an earlier submission by another agent has the same normalised diff hash. */
  copiedFrom?: string;
  /** Repeat runs on the public split, in order. */
  publicRuns: EvalOutcome[];
  /** Repeat runs on the held-out split; may be empty when the workflow stopped earlier. */
  heldOutRuns: EvalOutcome[];
  canaryRuns: CanaryRun[];
}

export type JudgeReason =
  | 'DIFF_MALFORMED'
  | 'DIFF_COPIED'
  | 'CLAIM_NOT_REPRODUCED'
  | 'CANARY_FAILED'
  | 'CANARY_NO_SCORE'
  | 'DIFF_REJECTED'
  | 'EVAL_TIMEOUT'
  | 'EVAL_ERROR'
  | 'UNSTABLE_SCORE'
  | 'NO_IMPROVEMENT'
  | 'ACCEPTED';

export interface JudgeRule {
  reason: JudgeReason;
  verdict: 'accepted' | 'rejected';
  /** Abusive outcomes forfeit the submission stake; every other outcome refunds it. */
  abusive: boolean;
  stake: 'forfeit' | 'refund';
  when: string;
}

/**
 * The published payout rules, checked in this order; the first that holds decides. Abusive rules come
 * first, so a submission that is both abusive and merely unsuccessful is treated as abusive.
 */
export const JUDGE_RULES: readonly JudgeRule[] = [
  {
    reason: 'DIFF_MALFORMED',
    verdict: 'rejected',
    abusive: true,
    stake: 'forfeit',
    when: 'the diff is not a well-formed unified diff',
  },
  {
    reason: 'DIFF_COPIED',
    verdict: 'rejected',
    abusive: true,
    stake: 'forfeit',
    when: "the normalised diff hash equals an earlier submission's by another agent",
  },
  {
    reason: 'CLAIM_NOT_REPRODUCED',
    verdict: 'rejected',
    abusive: true,
    stake: 'forfeit',
    when: 'every public re-run scored, and their median is outside the claim tolerance of the claimed score',
  },
  {
    reason: 'CANARY_FAILED',
    verdict: 'rejected',
    abusive: true,
    stake: 'forfeit',
    when: 'a canary run scored, and its score is outside the tolerance of the known correct score',
  },
  {
    reason: 'CANARY_NO_SCORE',
    verdict: 'rejected',
    abusive: true,
    stake: 'forfeit',
    when: 'a canary run yielded no score (crash, kill, timeout, no or invalid output) while every public and held-out run scored',
  },
  {
    reason: 'DIFF_REJECTED',
    verdict: 'rejected',
    abusive: false,
    stake: 'refund',
    when: 'the diff is too large, touches a file other than the targets, or does not apply to the baseline',
  },
  {
    reason: 'EVAL_TIMEOUT',
    verdict: 'rejected',
    abusive: false,
    stake: 'refund',
    when: 'a run ran out of wall-clock or CPU time',
  },
  {
    reason: 'EVAL_ERROR',
    verdict: 'rejected',
    abusive: false,
    stake: 'refund',
    when: 'a run failed, hit a resource limit or printed no valid score line, or no held-out run exists',
  },
  {
    reason: 'UNSTABLE_SCORE',
    verdict: 'rejected',
    abusive: false,
    stake: 'refund',
    when: 'repeat runs on one split differ by more than the stability tolerance',
  },
  {
    reason: 'NO_IMPROVEMENT',
    verdict: 'rejected',
    abusive: false,
    stake: 'refund',
    when: 'the median held-out score does not beat the best score by more than the minimum improvement',
  },
  {
    reason: 'ACCEPTED',
    verdict: 'accepted',
    abusive: false,
    stake: 'refund',
    when: 'none of the above',
  },
];

export interface Judgement {
  verdict: 'accepted' | 'rejected';
  reason: JudgeReason;
  abusive: boolean;
  stake: 'forfeit' | 'refund';
  /** Held-out gain over the best score, positive when better in the bounty's direction; null without held-out scores. */
  improvement: number | null;
  publicScore: number | null;
  heldOutScore: number | null;
}

/** The scores of the runs, or undefined when any run has no score. */
function scoresOf(runs: readonly EvalOutcome[]): number[] | undefined {
  const scores = runs.flatMap((r) => (r.kind === 'score' ? [r.score] : []));
  return scores.length === runs.length ? scores : undefined;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? null)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The claimed score is reproduced when it lies within the claim tolerance of the re-run. Pure. */
export function claimReproduced(claimed: number, rerun: number, tolerances: Tolerances): boolean {
  return (
    Math.abs(claimed - rerun) <=
    Math.max(tolerances.claimAbsolute, tolerances.claimRelative * Math.abs(rerun))
  );
}

/** Repeat runs agree when their spread is within the stability tolerance. Pure. */
export function runsAgree(scores: readonly number[], stability: number): boolean {
  return scores.length === 0 || Math.max(...scores) - Math.min(...scores) <= stability;
}

/** A canary passes when its run scored within tolerance of the known score; undefined when the run errored. */
export function canaryPassed(run: CanaryRun): boolean | undefined {
  if (run.outcome.kind !== 'score') return undefined;
  return Math.abs(run.outcome.score - run.probe.expectedScore) <= run.probe.tolerance;
}

export function improvementOver(best: number, score: number, direction: Direction): number {
  return direction === 'higher' ? score - best : best - score;
}

function allRuns(e: SubmissionEvidence): EvalOutcome[] {
  return [...e.publicRuns, ...e.heldOutRuns, ...e.canaryRuns.map((c) => c.outcome)];
}

const RULE_HOLDS: Record<JudgeReason, (e: SubmissionEvidence, heldOut: number | null) => boolean> = {
  DIFF_MALFORMED: (e) => e.diffRejection === 'DIFF_MALFORMED',
  DIFF_COPIED: (e) => e.copiedFrom !== undefined,
  CLAIM_NOT_REPRODUCED: (e) => {
    const rerun = median(scoresOf(e.publicRuns) ?? []);
    return rerun !== null && !claimReproduced(e.claimedPublicScore, rerun, e.tolerances);
  },
  CANARY_FAILED: (e) => e.canaryRuns.some((run) => canaryPassed(run) === false),
  // A candidate that can tell a canary from its inputs must not turn a forfeit into a refund by dying on it.
  CANARY_NO_SCORE: (e) =>
    e.publicRuns.length > 0 &&
    e.heldOutRuns.length > 0 &&
    scoresOf(e.publicRuns) !== undefined &&
    scoresOf(e.heldOutRuns) !== undefined &&
    e.canaryRuns.some((run) => canaryPassed(run) === undefined),
  DIFF_REJECTED: (e) => e.diffRejection !== undefined,
  EVAL_TIMEOUT: (e) => allRuns(e).some((r) => r.kind === 'error' && r.code === 'EVAL_TIMEOUT'),
  EVAL_ERROR: (e, heldOut) =>
    e.publicRuns.length === 0 || heldOut === null || allRuns(e).some((r) => r.kind === 'error'),
  UNSTABLE_SCORE: (e) =>
    [e.publicRuns, e.heldOutRuns].some((runs) => !runsAgree(scoresOf(runs) ?? [], e.tolerances.stability)),
  NO_IMPROVEMENT: (e, heldOut) =>
    heldOut === null || improvementOver(e.bestScore, heldOut, e.direction) <= e.tolerances.minImprovement,
  ACCEPTED: () => true,
};

/** Decides a bounty submission from its evidence by the first rule of `JUDGE_RULES` that holds. Pure. */
export function judgeSubmission(evidence: SubmissionEvidence): Judgement {
  const heldOut = median(scoresOf(evidence.heldOutRuns) ?? []);
  const rule =
    JUDGE_RULES.find((r) => RULE_HOLDS[r.reason](evidence, heldOut)) ?? JUDGE_RULES[JUDGE_RULES.length - 1];
  const { verdict, reason, abusive, stake } = rule as JudgeRule;
  return {
    verdict,
    reason,
    abusive,
    stake,
    improvement: heldOut === null ? null : improvementOver(evidence.bestScore, heldOut, evidence.direction),
    publicScore: median(scoresOf(evidence.publicRuns) ?? []),
    heldOutScore: heldOut,
  };
}
