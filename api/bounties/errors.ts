import { L402TrainError } from '../../domain/l402-train-error';

export type BountyApiErrorCode =
  | 'BOUNTY_NOT_FOUND'
  | 'SUBMISSION_NOT_FOUND'
  | 'BOUNTY_NOT_OPEN'
  | 'BOUNTY_POOL_EXHAUSTED'
  | 'SUBMISSION_EXISTS'
  | 'BOUNTY_BUNDLE_UNKNOWN'
  | 'BOUNTY_BUDGET_TOO_SMALL'
  | 'STAKE_MISMATCH'
  | 'CLOSE_TOKEN_INVALID'
  | 'SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE';

/** Every refusal of the bounty routes, with a stable code. */
export class BountyApiError extends L402TrainError {
  constructor(code: BountyApiErrorCode, message: string, hint?: string) {
    super(code, message, hint);
  }
}

/** Why a bounty's validation host refused its bundle before the funding invoice (the workflow's failure type). */
export const BUNDLE_REFUSALS: readonly string[] = ['SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE'];
