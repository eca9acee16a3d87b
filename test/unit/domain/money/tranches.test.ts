import fc from 'fast-check';

import {
  InvalidAmountError,
  InvalidTranchesError,
  MAX_TRANCHES,
  splitByTrancheSize,
  splitIntoTranches,
  trancheCountFor,
} from '../../../../domain/money';

const capAndCount = fc
  .integer({ min: 1, max: 2_100_000_000_000_000 })
  .chain((cap) => fc.tuple(fc.constant(cap), fc.integer({ min: 1, max: Math.min(cap, MAX_TRANCHES) })));

describe('splitIntoTranches', () => {
  it.each([
    [10, 3, [4, 3, 3]],
    [9, 3, [3, 3, 3]],
    [1, 1, [1]],
    [5, 5, [1, 1, 1, 1, 1]],
    [1001, 4, [251, 250, 250, 250]],
    [1003, 4, [251, 251, 251, 250]],
  ])('splits %i sats into %i tranches as %j', (cap, count, expected) => {
    expect(splitIntoTranches(cap, count)).toEqual(expected);
  });

  it.each([
    [0, 1, InvalidAmountError],
    [1.5, 1, InvalidAmountError],
    [-10, 1, InvalidAmountError],
    [2_100_000_000_000_001, 1, InvalidAmountError],
    [10, 0, InvalidTranchesError],
    [10, 11, InvalidTranchesError],
    [10_000, MAX_TRANCHES + 1, InvalidTranchesError],
    [10, 2.5, InvalidTranchesError],
  ])('rejects cap %p with count %p', (cap, count, errorClass) => {
    expect(() => splitIntoTranches(cap, count)).toThrow(errorClass);
  });

  it('gives stable error codes', () => {
    expect(() => splitIntoTranches(10, 11)).toThrow(
      expect.objectContaining({ code: 'ECON_INVALID_TRANCHES', status: 400 }),
    );
    expect(() => splitIntoTranches(0, 1)).toThrow(expect.objectContaining({ code: 'ECON_INVALID_AMOUNT' }));
  });

  it('sums exactly to the cap, with non-increasing tranches of at least one sat that differ by at most one', () => {
    fc.assert(
      fc.property(capAndCount, ([cap, count]) => {
        const tranches = splitIntoTranches(cap, count);
        expect(tranches).toHaveLength(count);
        expect(tranches.reduce((a, b) => a + b, 0)).toBe(cap);
        expect(Math.min(...tranches)).toBeGreaterThanOrEqual(1);
        expect(Math.max(...tranches) - Math.min(...tranches)).toBeLessThanOrEqual(1);
        tranches.slice(1).forEach((tranche, i) => expect(tranche).toBeLessThanOrEqual(tranches[i]!));
      }),
    );
  });
});

describe('splitByTrancheSize', () => {
  it.each([
    [1000, 300, [250, 250, 250, 250]],
    [1001, 500, [334, 334, 333]],
    [1000, 1000, [1000]],
    [1000, 5000, [1000]],
    [7, 1, [1, 1, 1, 1, 1, 1, 1]],
  ])('splits %i sats into tranches of at most %i as %j', (cap, max, expected) => {
    expect(splitByTrancheSize(cap, max)).toEqual(expected);
  });

  it('uses ceil(cap / max) tranches', () => {
    expect(trancheCountFor(1000, 300)).toBe(4);
    expect(trancheCountFor(900, 300)).toBe(3);
  });

  it('rejects a size that would need more than MAX_TRANCHES tranches', () => {
    expect(() => splitByTrancheSize(10_000, 1)).toThrow(InvalidTranchesError);
  });

  it('uses the fewest tranches that each stay within the size and sum to the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        (cap, max) => {
          fc.pre(Math.ceil(cap / max) <= MAX_TRANCHES);
          const tranches = splitByTrancheSize(cap, max);
          expect(tranches.reduce((a, b) => a + b, 0)).toBe(cap);
          expect(Math.max(...tranches)).toBeLessThanOrEqual(max);
          expect((tranches.length - 1) * max).toBeLessThan(cap);
        },
      ),
    );
  });
});
