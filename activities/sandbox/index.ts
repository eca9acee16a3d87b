// The sandboxed bounty evaluation: plain async functions and pure rules, wrapped as activities elsewhere.
export { applyDiff } from './apply-diff';
export type { DiffRules } from './apply-diff';
export { BountyManifestSchema, loadBountyBundle, parseBountyManifest } from './bounty-manifest';
export type { BountyBundle, BountyManifest } from './bounty-manifest';
export { findCopiedSubmission, normalisedDiffHash } from './diff-identity';
export type { EarlierSubmission } from './diff-identity';
export { SandboxError } from './errors';
export type { SandboxErrorCode } from './errors';
export { toEvalOutcome } from './eval-outcome';
export type { EvalErrorCode, EvalOutcome } from './eval-outcome';
export { evaluateSplit, runCanaries } from './evaluate';
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
export { LIMITS_MODES, LimitsSetting } from './limits-mode';
export type { Accounting, LimitsMode } from './limits-mode';
export { limitsModeFor, runEval } from './run-eval';
export type {
  EvalProgress,
  EvalResult,
  EvalSplit,
  KillReason,
  RunEvalRequest,
  SandboxOptions,
} from './run-eval';
export type { EvalLimits } from './sandbox-command';
