import { L402TrainError } from '../../lib/errors';

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

const STATUS: Record<BountyApiErrorCode, [number, string]> = {
  BOUNTY_NOT_FOUND: [404, 'See GET /bounties for the bounties.'],
  SUBMISSION_NOT_FOUND: [404, 'Use the submission id POST /bounties/{id}/submissions returned.'],
  BOUNTY_NOT_OPEN: [409, 'Only open bounties take submissions; see its phase in GET /bounties/{id}.'],
  BOUNTY_POOL_EXHAUSTED: [
    409,
    'The pool left cannot cover one more reward cap; try after queued ones finish.',
  ],
  SUBMISSION_EXISTS: [409, 'That submission id is taken.'],
  BOUNTY_BUNDLE_UNKNOWN: [422, 'Name a bounty bundle installed on the coordinator (e.g. example-sort).'],
  BOUNTY_BUDGET_TOO_SMALL: [
    422,
    'Raise budgetSats to at least the cap plus its fee limits, or lower the cap.',
  ],
  STAKE_MISMATCH: [402, "Pay this bounty's own stake invoice and retry with its macaroon."],
  CLOSE_TOKEN_INVALID: [403, 'Send the close token POST /bounties returned to the sponsor.'],
  SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE: [
    422,
    'This coordinator can only limit each eval process; choose a bundle whose eval.limits.accounting is per-process.',
  ],
};

/** Every refusal of the bounty routes, with a stable code. */
export class BountyApiError extends L402TrainError {
  constructor(code: BountyApiErrorCode, message: string) {
    const [status, hint] = STATUS[code];
    super(code, message, status, hint);
  }
}

/** Why a bounty's validation host refused its bundle before the funding invoice (the workflow's failure type). */
export const BUNDLE_REFUSALS: readonly string[] = ['SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE'];

/** The update validator's refusals (its error message is the code). */
export const UPDATE_REFUSALS: readonly string[] = [
  'BOUNTY_NOT_OPEN',
  'BOUNTY_POOL_EXHAUSTED',
  'SUBMISSION_EXISTS',
];
