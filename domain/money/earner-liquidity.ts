/**
 * How much of the coordinator's outgoing liquidity one earner node may pin. Every tranche of an escrow is an HTLC
 * the earner holds until it settles or cancels it; one that never cancels its withheld tranches keeps them until
 * their CLTV expiry. So each earner node gets a cap, and one that leaves tranches unresolved past the decision is
 * refused new escrows for a while.
 */
export interface EarnerLiquidityRule {
  /** Tranche HTLCs one earner node may hold across its open escrows (a channel has 483 slots per direction). */
  maxHeldHtlcs: number;
  /** Sats one earner node may have locked across its open escrows. */
  maxLockedSats: number;
  /** Seconds after the decision for the earner to settle what was revealed and cancel the rest. */
  cancelWithinSeconds: number;
  /** Seconds an earner that left tranches unresolved past `cancelWithinSeconds` is refused new escrows. */
  penaltySeconds: number;
}

export const DEFAULT_EARNER_LIQUIDITY: EarnerLiquidityRule = {
  maxHeldHtlcs: 60,
  maxLockedSats: 1_000_000,
  cancelWithinSeconds: 600,
  penaltySeconds: 86_400,
};

export type EarnerRefusalCode = 'EARNER_HTLC_CAP' | 'EARNER_SATS_CAP' | 'EARNER_PENALIZED';

export interface EarnerRefusal {
  code: EarnerRefusalCode;
  detail: string;
}

/** What the earner node already pins, and until when (ms since epoch) it is penalized, if it is. */
export interface EarnerExposure {
  heldHtlcs: number;
  lockedSats: number;
  penalizedUntilMs: number | null;
}

/**
 * Why a new escrow of `htlcs` tranches and `sats` sats for this earner node must be refused, or null. Pure.
 *
 * @example refuseEarnerEscrow(rule, { heldHtlcs: 58, lockedSats: 0, penalizedUntilMs: null }, { htlcs: 4, sats: 100 }, 0)
 * // { code: 'EARNER_HTLC_CAP', ... } with rule.maxHeldHtlcs = 60
 */
export function refuseEarnerEscrow(
  rule: EarnerLiquidityRule,
  exposure: EarnerExposure,
  request: { htlcs: number; sats: number },
  nowMs: number,
): EarnerRefusal | null {
  if (exposure.penalizedUntilMs !== null && exposure.penalizedUntilMs > nowMs) {
    return {
      code: 'EARNER_PENALIZED',
      detail: `this earner left escrow tranches unresolved; refused until ${new Date(exposure.penalizedUntilMs).toISOString()}`,
    };
  }
  if (exposure.heldHtlcs + request.htlcs > rule.maxHeldHtlcs) {
    return {
      code: 'EARNER_HTLC_CAP',
      detail: `${exposure.heldHtlcs} tranche HTLCs open for this earner, ${request.htlcs} more exceed ${rule.maxHeldHtlcs}`,
    };
  }
  if (exposure.lockedSats + request.sats > rule.maxLockedSats) {
    return {
      code: 'EARNER_SATS_CAP',
      detail: `${exposure.lockedSats} sats in open escrows for this earner, ${request.sats} more exceed ${rule.maxLockedSats}`,
    };
  }
  return null;
}
