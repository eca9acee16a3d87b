import { InvalidAmountError } from './errors';

/** 21 million BTC in sats: every amount we handle is at most this, so it stays a safe integer. */
export const MAX_SATS = 21_000_000 * 100_000_000;

/** Throws unless `value` is a whole number of sats in `[min, MAX_SATS]`. */
export function assertSats(what: string, value: number, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min || value > MAX_SATS) {
    throw new InvalidAmountError(what, value);
  }
}
