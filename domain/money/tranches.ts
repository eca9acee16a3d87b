import { InvalidTranchesError } from './errors';
import { assertSats } from './sats';

/**
 * At most this many tranches per reward: each tranche is its own held HTLC and a channel
 * carries at most 483 pending HTLCs each way (BOLT 2), so more could never be locked at once.
 */
export const MAX_TRANCHES = 483;

/**
 * Splits `capSats` into `count` whole-sat tranches that sum exactly to `capSats`.
 *
 * The remainder `capSats % count` is spread one sat each over the **first** tranches, so
 * tranches never differ by more than one sat and are in non-increasing order. Tranches are
 * revealed from the front, which means an earner of `r` tranches gets the `r` largest ones.
 * Every tranche holds at least one sat (a zero-amount invoice would be an "any amount" invoice),
 * hence `count <= capSats`.
 *
 * @example splitIntoTranches(10, 3) // [4, 3, 3]
 * @example splitIntoTranches(9, 3)  // [3, 3, 3]
 * @throws InvalidAmountError when `capSats` is not a whole number of sats >= 1
 * @throws InvalidTranchesError when `count` is not an integer in `[1, min(capSats, MAX_TRANCHES)]`
 */
export function splitIntoTranches(capSats: number, count: number): number[] {
  assertSats('capSats', capSats, 1);
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_TRANCHES) {
    throw new InvalidTranchesError(
      `tranche count must be an integer from 1 to ${MAX_TRANCHES}, got ${count}`,
    );
  }
  if (count > capSats) {
    throw new InvalidTranchesError(`cannot split ${capSats} sats into ${count} non-empty tranches`);
  }
  const base = Math.floor(capSats / count);
  const remainder = capSats % count;
  return Array.from({ length: count }, (_, index) => (index < remainder ? base + 1 : base));
}

/**
 * How many tranches of at most `maxTrancheSats` it takes to cover `capSats`: `ceil(cap / max)`.
 *
 * @example trancheCountFor(1000, 300) // 4
 */
export function trancheCountFor(capSats: number, maxTrancheSats: number): number {
  assertSats('capSats', capSats, 1);
  assertSats('maxTrancheSats', maxTrancheSats, 1);
  return Math.ceil(capSats / maxTrancheSats);
}

/**
 * Splits `capSats` into the fewest tranches of at most `maxTrancheSats` each, spread evenly
 * as in {@link splitIntoTranches} (rather than full tranches plus one small leftover).
 *
 * @example splitByTrancheSize(1000, 300) // [250, 250, 250, 250]
 * @example splitByTrancheSize(1001, 500) // [334, 334, 333]
 */
export function splitByTrancheSize(capSats: number, maxTrancheSats: number): number[] {
  return splitIntoTranches(capSats, trancheCountFor(capSats, maxTrancheSats));
}
