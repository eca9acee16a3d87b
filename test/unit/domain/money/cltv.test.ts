import fc from 'fast-check';

import {
  HoldWindowTooLongError,
  InvalidCltvError,
  LND_HOLD_AUTO_CANCEL_BLOCKS,
  MAX_CLTV_BLOCKS,
  MIN_SAFETY_MARGIN_BLOCKS,
  assertHoldWindowFits,
  cancelDeadline,
  type HoldTiming,
} from '../../../../domain/money';

const timing: HoldTiming = {
  currentHeight: 800_000,
  invoiceCltvBlocks: 144,
  safetyMarginBlocks: 24,
  nowMs: 1_000,
};

describe('cancelDeadline', () => {
  it('keeps at least twice the LND auto-cancel window as margin', () => {
    expect(MIN_SAFETY_MARGIN_BLOCKS).toBe(24);
    expect(MIN_SAFETY_MARGIN_BLOCKS).toBeGreaterThanOrEqual(2 * LND_HOLD_AUTO_CANCEL_BLOCKS);
  });

  it.each([
    [
      timing,
      { htlcExpiryHeight: 800_144, cancelByHeight: 800_120, budgetBlocks: 120, cancelByMs: 36_001_000 },
    ],
    [
      { ...timing, invoiceCltvBlocks: 40, secondsPerBlock: 600 },
      { htlcExpiryHeight: 800_040, cancelByHeight: 800_016, budgetBlocks: 16, cancelByMs: 9_601_000 },
    ],
    [
      { ...timing, invoiceCltvBlocks: 25, nowMs: 0, secondsPerBlock: 1 },
      { htlcExpiryHeight: 800_025, cancelByHeight: 800_001, budgetBlocks: 1, cancelByMs: 1_000 },
    ],
    [
      { ...timing, safetyMarginBlocks: 72 },
      { htlcExpiryHeight: 800_144, cancelByHeight: 800_072, budgetBlocks: 72, cancelByMs: 21_601_000 },
    ],
  ])('computes the deadline for %j', (input, expected) => {
    expect(cancelDeadline(input)).toEqual(expected);
  });

  it.each([
    [{ ...timing, safetyMarginBlocks: 23 }, InvalidCltvError],
    [{ ...timing, invoiceCltvBlocks: 0 }, InvalidCltvError],
    [{ ...timing, invoiceCltvBlocks: MAX_CLTV_BLOCKS + 1 }, InvalidCltvError],
    [{ ...timing, currentHeight: -1 }, InvalidCltvError],
    [{ ...timing, currentHeight: 1.5 }, InvalidCltvError],
    [{ ...timing, nowMs: -5 }, InvalidCltvError],
    [{ ...timing, secondsPerBlock: 0 }, InvalidCltvError],
    [{ ...timing, invoiceCltvBlocks: 24 }, HoldWindowTooLongError],
    [{ ...timing, invoiceCltvBlocks: 18 }, HoldWindowTooLongError],
  ])('rejects %j', (input, errorClass) => {
    expect(() => cancelDeadline(input)).toThrow(errorClass);
  });

  it('always keeps the margin before the earliest HTLC expiry', () => {
    const timingArb = fc
      .record({
        currentHeight: fc.integer({ min: 0, max: 10_000_000 }),
        safetyMarginBlocks: fc.integer({ min: MIN_SAFETY_MARGIN_BLOCKS, max: MAX_CLTV_BLOCKS - 1 }),
        extraBlocks: fc.integer({ min: 1, max: MAX_CLTV_BLOCKS }),
        nowMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      })
      .filter((t) => t.safetyMarginBlocks + t.extraBlocks <= MAX_CLTV_BLOCKS)
      .map(({ extraBlocks, ...t }) => ({ ...t, invoiceCltvBlocks: t.safetyMarginBlocks + extraBlocks }));
    fc.assert(
      fc.property(timingArb, (t) => {
        const deadline = cancelDeadline(t);
        expect(deadline.cancelByHeight).toBeGreaterThan(t.currentHeight);
        expect(deadline.htlcExpiryHeight - deadline.cancelByHeight).toBe(t.safetyMarginBlocks);
        expect(deadline.cancelByMs).toBeGreaterThan(t.nowMs);
      }),
    );
  });
});

describe('assertHoldWindowFits', () => {
  it.each([
    [0, true],
    [3_600, true],
    [120 * 300, true],
    [120 * 300 + 1, false],
    [86_400, false],
  ])('a %is hold in a 144-block invoice with a 24-block margin fits: %p', (holdSeconds, fits) => {
    const check = () => assertHoldWindowFits({ ...timing, holdSeconds });
    if (fits) expect(check()).toEqual(cancelDeadline(timing));
    else expect(check).toThrow(HoldWindowTooLongError);
  });

  it('says what to do when the window is too long', () => {
    expect(() => assertHoldWindowFits({ ...timing, invoiceCltvBlocks: 40, holdSeconds: 7_200 })).toThrow(
      expect.objectContaining({ code: 'ECON_HOLD_WINDOW_TOO_LONG', hint: expect.stringContaining('CLTV') }),
    );
  });

  it('rejects a negative hold', () => {
    expect(() => assertHoldWindowFits({ ...timing, holdSeconds: -1 })).toThrow(InvalidCltvError);
  });
});
