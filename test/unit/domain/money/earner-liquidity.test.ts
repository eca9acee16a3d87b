import { DEFAULT_EARNER_LIQUIDITY, refuseEarnerEscrow } from '../../../../domain/money/earner-liquidity';

const rule = { maxHeldHtlcs: 10, maxLockedSats: 5_000, cancelWithinSeconds: 60, penaltySeconds: 3_600 };
const clean = { heldHtlcs: 0, lockedSats: 0, penalizedUntilMs: null };

describe('refuseEarnerEscrow', () => {
  it.each([
    ['fits', clean, { htlcs: 10, sats: 5_000 }, 1_000, undefined],
    ['one HTLC over', { ...clean, heldHtlcs: 7 }, { htlcs: 4, sats: 1 }, 1_000, 'EARNER_HTLC_CAP'],
    ['one sat over', { ...clean, lockedSats: 4_000 }, { htlcs: 1, sats: 1_001 }, 1_000, 'EARNER_SATS_CAP'],
    ['penalized', { ...clean, penalizedUntilMs: 1_001 }, { htlcs: 1, sats: 1 }, 1_000, 'EARNER_PENALIZED'],
    ['penalty over', { ...clean, penalizedUntilMs: 1_000 }, { htlcs: 1, sats: 1 }, 1_000, undefined],
  ])('%s', (_what, exposure, request, nowMs, code) => {
    expect(refuseEarnerEscrow(rule, exposure, request, nowMs)?.code).toBe(code);
  });

  it('defaults well under a channel’s 483 HTLC slots', () => {
    expect(DEFAULT_EARNER_LIQUIDITY.maxHeldHtlcs).toBeLessThanOrEqual(483 / 4);
  });
});
