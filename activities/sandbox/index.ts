// The sandboxed bounty evaluation: plain async functions, wrapped as activities elsewhere; its rules are in domain/bounty.
export { BountyManifestSchema, loadBountyBundle, parseBountyManifest } from './bounty-manifest';
export type { BountyBundle, BountyManifest } from './bounty-manifest';
export { evaluateSplit, runCanaries } from './evaluate';
export { LimitsSetting } from './limits-mode';
export type { Accounting } from './limits-mode';
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
