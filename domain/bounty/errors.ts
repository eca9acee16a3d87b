import { L402TrainError } from '../l402-train-error';

export type SandboxErrorCode =
  | 'DIFF_TOO_LARGE'
  | 'DIFF_MALFORMED'
  | 'DIFF_TOUCHES_FORBIDDEN_FILE'
  | 'DIFF_DOES_NOT_APPLY'
  | 'EVAL_OUTPUT_INVALID'
  | 'SANDBOX_UNAVAILABLE'
  | 'SANDBOX_LIMITS_UNAVAILABLE'
  | 'SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE'
  | 'BOUNTY_MANIFEST_INVALID'
  | 'BOUNTY_BUNDLE_INVALID';

/** Every failure of diff checking, sandboxed evaluation and bounty loading, with a stable code. */
export class SandboxError extends L402TrainError {
  constructor(
    code: SandboxErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(code, message);
  }
}
