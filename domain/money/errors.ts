import { L402TrainError } from '../l402-train-error';

/**
 * Stable codes of the money rules. Every one of them means the caller passed numbers
 * that break a money rule (a programming or configuration error, or a bad published rule),
 * so they map to 400 when they reach the API.
 */
export type EconomicsErrorCode =
  | 'ECON_INVALID_AMOUNT'
  | 'ECON_INVALID_TRANCHES'
  | 'ECON_INVALID_RULE'
  | 'ECON_INVALID_SCORE'
  | 'ECON_INVALID_FEE_POLICY'
  | 'ECON_INVALID_CLTV'
  | 'ECON_HOLD_WINDOW_TOO_LONG';

export class EconomicsError extends L402TrainError {
  constructor(
    override readonly code: EconomicsErrorCode,
    message: string,
    hint?: string,
  ) {
    super(code, message, hint);
  }
}

/** A sat amount that is not a safe non-negative integer within the 21M BTC supply. */
export class InvalidAmountError extends EconomicsError {
  constructor(what: string, value: number) {
    super('ECON_INVALID_AMOUNT', `${what} must be a whole number of sats in range, got ${value}`);
  }
}

/** A tranche count or size that cannot split the cap into whole, non-empty tranches. */
export class InvalidTranchesError extends EconomicsError {
  constructor(message: string) {
    super('ECON_INVALID_TRANCHES', message, 'Use 1 to 483 tranches and no more tranches than sats.');
  }
}

/** A published payout rule that does not parse. */
export class InvalidPayoutRuleError extends EconomicsError {
  constructor(message: string) {
    super(
      'ECON_INVALID_RULE',
      `invalid payout rule: ${message}`,
      'See GET /reward-schedule for the rule format.',
    );
  }
}

/** A score that is NaN or infinite: a scorer bug, never a reason to pay. */
export class InvalidScoreError extends EconomicsError {
  constructor(score: number) {
    super('ECON_INVALID_SCORE', `score must be a finite number, got ${score}`);
  }
}

export class InvalidFeePolicyError extends EconomicsError {
  constructor(message: string) {
    super('ECON_INVALID_FEE_POLICY', message);
  }
}

/** Block heights, CLTV deltas or margins that are out of range. */
export class InvalidCltvError extends EconomicsError {
  constructor(message: string, hint?: string) {
    super('ECON_INVALID_CLTV', message, hint);
  }
}

/** The hold would run into the safety margin before the HTLC expires. */
export class HoldWindowTooLongError extends EconomicsError {
  constructor(message: string) {
    super(
      'ECON_HOLD_WINDOW_TOO_LONG',
      message,
      'Ask the earner for an invoice with a larger CLTV delta, or shorten the validation time budget.',
    );
  }
}
