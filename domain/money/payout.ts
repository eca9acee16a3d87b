import { z } from 'zod';

import { InvalidPayoutRuleError, InvalidScoreError } from './errors';
import { MAX_SATS } from './sats';
import { MAX_TRANCHES, splitIntoTranches } from './tranches';

/**
 * The payout rule as published data (served by `GET /reward-schedule`):
 *
 *     earned = floor(min(capSats, rateSatsPerUnit × max(0, improvement)))
 *
 * paid out in whole tranches of {@link splitIntoTranches}(capSats, trancheCount).
 * `improvement` is the score delta the bounty or round defines (e.g. held-out loss decrease).
 */
export const payoutRuleSchema = z
  .object({
    kind: z.literal('linear-capped'),
    capSats: z.number().int().min(1).max(MAX_SATS),
    rateSatsPerUnit: z.number().min(0),
    trancheCount: z.number().int().min(1).max(MAX_TRANCHES),
  })
  .strict()
  .refine((rule) => rule.trancheCount <= rule.capSats, {
    message: 'trancheCount must not exceed capSats (every tranche holds at least one sat)',
    path: ['trancheCount'],
  });

export type PayoutRule = z.infer<typeof payoutRuleSchema>;

/** What a score earns: `revealed` tranches (from the front) worth `sats` in total. */
export interface TranchesEarned {
  revealed: number;
  sats: number;
}

/**
 * Parses a payout rule from untrusted data (a bounty definition, a stored config).
 *
 * @example parsePayoutRule({ kind: 'linear-capped', capSats: 1000, rateSatsPerUnit: 10_000, trancheCount: 4 })
 * @throws InvalidPayoutRuleError listing the offending fields
 */
export function parsePayoutRule(data: unknown): PayoutRule {
  const parsed = payoutRuleSchema.safeParse(data);
  if (!parsed.success) {
    throw new InvalidPayoutRuleError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(rule)'}: ${issue.message}`).join('; '),
    );
  }
  return parsed.data;
}

/**
 * Whole sats a score earns before tranche rounding: `floor(min(cap, rate × max(0, improvement)))`.
 * The product is one IEEE-754 multiplication, so the result is the same on every replay; the floor
 * is taken on that computed product, which can sit just below the exact decimal one
 * (0.0249 × 10000 = 248.99999999999997 → 248), so rounding errors only ever favour not paying.
 *
 * @example earnedSats({ kind: 'linear-capped', capSats: 1000, rateSatsPerUnit: 10_000, trancheCount: 4 }, 0.0375) // 375
 * @throws InvalidScoreError for NaN or ±Infinity: a broken score never pays
 */
export function earnedSats(rule: PayoutRule, improvement: number): number {
  if (!Number.isFinite(improvement)) {
    throw new InvalidScoreError(improvement);
  }
  return Math.floor(Math.min(rule.capSats, rule.rateSatsPerUnit * Math.max(0, improvement)));
}

/**
 * How many tranches to reveal for a score. Rounds **down** to whole tranches: the result is
 * the largest prefix of the tranche list whose sum does not exceed {@link earnedSats}, so
 * `sats <= earned <= capSats`, and a score that earns less than the first tranche gets nothing.
 *
 * @example
 * const rule = { kind: 'linear-capped', capSats: 1000, rateSatsPerUnit: 10_000, trancheCount: 4 } as const;
 * tranchesEarned(rule, 0.0375) // earned 375 → { revealed: 1, sats: 250 }
 * tranchesEarned(rule, 0.05)   // earned 500 → { revealed: 2, sats: 500 }
 * tranchesEarned(rule, 1)      // capped at 1000 → { revealed: 4, sats: 1000 }
 * tranchesEarned(rule, -0.2)   // no improvement → { revealed: 0, sats: 0 }
 */
export function tranchesEarned(rule: PayoutRule, improvement: number): TranchesEarned {
  const earned = earnedSats(rule, improvement);
  let revealed = 0;
  let sats = 0;
  for (const tranche of splitIntoTranches(rule.capSats, rule.trancheCount)) {
    if (sats + tranche > earned) break;
    sats += tranche;
    revealed += 1;
  }
  return { revealed, sats };
}
