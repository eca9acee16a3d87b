// The bounty's pure rules: diff parsing and applying, copy detection, eval outcomes, the judge and the reveal.
// Workflows import the files they need (judge, reveal) directly: diff-identity and hunk-locator use node:crypto.
export { applyDiff } from './apply-diff';
export { bountyDoorRefusal } from './door';
export type { BountyDoor, BountyDoorRefusal } from './door';
export type { DiffRules } from './apply-diff';
export { findCopiedSubmission, normalisedDiffHash } from './diff-identity';
export type { EarlierSubmission } from './diff-identity';
export { SandboxError } from './errors';
export type { SandboxErrorCode } from './errors';
export { LIMITS_MODES, toEvalOutcome } from './eval-outcome';
export type { EvalErrorCode, EvalOutcome, LimitsMode } from './eval-outcome';
export {
  JUDGE_RULES,
  canaryPassed,
  claimReproduced,
  improvementOver,
  judgeSubmission,
  median,
  runsAgree,
} from './judge';
export type {
  CanaryProbe,
  CanaryRun,
  DiffRejection,
  Direction,
  Judgement,
  JudgeReason,
  JudgeRule,
  SubmissionEvidence,
  Tolerances,
} from './judge';
export { SCORE_LINE_NAME, parseMetric } from './metric';
export { bountyReveal } from './reveal';
