import { z } from 'zod';
import type { EarnerLiquidityRule } from '../../domain/money/earner-liquidity';
import { DEFAULT_EARNER_LIQUIDITY } from '../../domain/money/earner-liquidity';

const LiquidityEnv = z.object({
  /** Well under a channel's 483 HTLC slots, so a few earners cannot take them all. */
  L402_EARNER_MAX_HELD_HTLCS: z.coerce
    .number()
    .int()
    .min(1)
    .max(483)
    .default(DEFAULT_EARNER_LIQUIDITY.maxHeldHtlcs),
  L402_EARNER_MAX_LOCKED_SATS: z.coerce
    .number()
    .int()
    .min(1)
    .max(21_000_000 * 100_000_000)
    .default(DEFAULT_EARNER_LIQUIDITY.maxLockedSats),
  L402_EARNER_CANCEL_WITHIN_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(DEFAULT_EARNER_LIQUIDITY.cancelWithinSeconds),
  L402_EARNER_PENALTY_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(365 * 86_400)
    .default(DEFAULT_EARNER_LIQUIDITY.penaltySeconds),
});

/** Each earner node's caps and penalty (see domain/money/earner-liquidity), from the environment. */
export function loadEarnerLiquidity(env: NodeJS.ProcessEnv = process.env): EarnerLiquidityRule {
  const parsed = LiquidityEnv.parse(env);
  return {
    maxHeldHtlcs: parsed.L402_EARNER_MAX_HELD_HTLCS,
    maxLockedSats: parsed.L402_EARNER_MAX_LOCKED_SATS,
    cancelWithinSeconds: parsed.L402_EARNER_CANCEL_WITHIN_SECONDS,
    penaltySeconds: parsed.L402_EARNER_PENALTY_SECONDS,
  };
}
