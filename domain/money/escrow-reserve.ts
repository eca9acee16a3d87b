import type { FeePolicy } from './fees';
import { feeLimitSats } from './fees';
import type { PayoutRule } from './payout';
import { splitIntoTranches } from './tranches';

/**
 * What a pool sets aside while one submission is validated: the reward cap (every tranche is locked in escrow)
 * plus each tranche's fee limit. A pool below this cannot take a submission. Pure.
 *
 * @example escrowReserveSats({ kind: 'linear-capped', capSats: 2000, rateSatsPerUnit: 1, trancheCount: 4 },
 *   { ppm: 1_000, baseSats: 1, maxSats: 100 }) // 2000 + 4 × 1 = 2004
 */
export function escrowReserveSats(rule: PayoutRule, fees: FeePolicy): number {
  return splitIntoTranches(rule.capSats, rule.trancheCount).reduce(
    (total, tranche) => total + tranche + feeLimitSats(tranche, fees),
    0,
  );
}
