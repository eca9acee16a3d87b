import { assertSats } from './sats';

export interface RunBudget {
  budgetSats: number;
  /** Rewards the run has paid so far. */
  spentSats: number;
  /** This round and the ones after it. */
  roundsLeft: number;
}

/**
 * A round's reward pool: what is left of the run's budget, spread evenly over the rounds still to come, so a
 * round that pays less than its pool leaves more for the later ones.
 *
 * @example roundPoolSats({ budgetSats: 9_000, spentSats: 2_000, roundsLeft: 2 }) // 3_500
 */
export function roundPoolSats({ budgetSats, spentSats, roundsLeft }: RunBudget): number {
  assertSats('budgetSats', budgetSats);
  assertSats('spentSats', spentSats);
  if (!Number.isSafeInteger(roundsLeft) || roundsLeft < 1) return 0;
  return Math.floor(Math.max(0, budgetSats - spentSats) / roundsLeft);
}

const prefixSats = (trancheSats: readonly number[], count: number) =>
  trancheSats.slice(0, count).reduce((total, sats) => total + sats, 0);

/** The largest number of leading tranches whose sum stays within `sats`. */
function tranchesWithin(trancheSats: readonly number[], sats: bigint): number {
  let count = 0;
  let total = 0n;
  for (const tranche of trancheSats) {
    if (total + BigInt(tranche) > sats) break;
    total += BigInt(tranche);
    count += 1;
  }
  return count;
}

/**
 * Fits a round's earned tranches (one count per accepted submission) into its pool. When together they earn more
 * than the pool, each keeps the same share (pool ÷ earned) of what it earned, rounded down to whole tranches, so
 * the round never reveals more than its pool; otherwise each keeps what it earned. Exact in integers.
 *
 * @example fitToPool([3, 3], [1_000, 1_000, 1_000], 2_000) // [1, 1]
 * @example fitToPool([3, 1], [1_000, 1_000, 1_000], 9_000) // [3, 1]
 */
export function fitToPool(
  earnedTranches: readonly number[],
  trancheSats: readonly number[],
  poolSats: number,
): number[] {
  assertSats('poolSats', poolSats);
  const earnedSats = earnedTranches.map((count) => BigInt(prefixSats(trancheSats, count)));
  const totalSats = earnedSats.reduce((total, sats) => total + sats, 0n);
  if (totalSats <= BigInt(poolSats)) return [...earnedTranches];
  return earnedSats.map((sats) => tranchesWithin(trancheSats, (sats * BigInt(poolSats)) / totalSats));
}
