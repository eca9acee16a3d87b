import fc from 'fast-check';

import { InvalidAmountError, InvalidFeePolicyError, MAX_SATS, feeLimitSats } from '../../../../domain/money';

const policy = { ppm: 5_000, baseSats: 1, maxSats: 1_000 };

describe('feeLimitSats', () => {
  it.each([
    [0, policy, 1],
    [100_000, policy, 501],
    [199, policy, 1],
    [200, policy, 2],
    [10_000_000, policy, 1_000],
    [150, { ppm: 5_000, baseSats: 0, maxSats: 1_000 }, 0],
    [1_000, { ppm: 1_000_000, baseSats: 0, maxSats: 5_000 }, 1_000],
    [MAX_SATS, { ppm: 1_000_000, baseSats: 0, maxSats: MAX_SATS }, MAX_SATS],
    [100_000, { ppm: 0, baseSats: 10, maxSats: 5 }, 5],
  ])('limits the fee for %i sats under %j to %i', (amount, p, expected) => {
    expect(feeLimitSats(amount, p)).toBe(expected);
  });

  it.each([
    [-1, policy, InvalidAmountError],
    [1.5, policy, InvalidAmountError],
    [100, { ...policy, ppm: -1 }, InvalidFeePolicyError],
    [100, { ...policy, ppm: 1_000_001 }, InvalidFeePolicyError],
    [100, { ...policy, ppm: 0.5 }, InvalidFeePolicyError],
    [100, { ...policy, baseSats: -1 }, InvalidAmountError],
    [100, { ...policy, maxSats: NaN }, InvalidAmountError],
  ])('rejects amount %p with policy %j', (amount, p, errorClass) => {
    expect(() => feeLimitSats(amount, p)).toThrow(errorClass);
  });

  it('stays within the cap and the ppm budget, and grows with the amount', () => {
    const policyArb = fc.record({
      ppm: fc.integer({ min: 0, max: 1_000_000 }),
      baseSats: fc.integer({ min: 0, max: 10_000 }),
      maxSats: fc.integer({ min: 0, max: 1_000_000 }),
    });
    const amountArb = fc.integer({ min: 0, max: MAX_SATS });
    fc.assert(
      fc.property(policyArb, amountArb, amountArb, (p, a, b) => {
        const fee = feeLimitSats(a, p);
        expect(Number.isSafeInteger(fee)).toBe(true);
        expect(fee).toBeLessThanOrEqual(p.maxSats);
        expect(BigInt(fee - Math.min(fee, p.baseSats)) * 1_000_000n).toBeLessThanOrEqual(
          BigInt(a) * BigInt(p.ppm),
        );
        if (a <= b) expect(fee).toBeLessThanOrEqual(feeLimitSats(b, p));
      }),
    );
  });
});
