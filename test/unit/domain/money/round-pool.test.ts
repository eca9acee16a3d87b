import fc from 'fast-check';
import { InvalidAmountError } from '../../../../domain/money/errors';
import { fitToPool, roundPoolSats } from '../../../../domain/money/round-pool';
import { splitIntoTranches } from '../../../../domain/money/tranches';

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const revealedSats = (counts: readonly number[], tranches: readonly number[]) =>
  sum(counts.map((count) => sum(tranches.slice(0, count))));

describe('roundPoolSats', () => {
  it('spreads what is left of the budget evenly over the rounds to come', () => {
    expect(roundPoolSats({ budgetSats: 9_000, spentSats: 0, roundsLeft: 3 })).toBe(3_000);
    expect(roundPoolSats({ budgetSats: 9_000, spentSats: 2_000, roundsLeft: 2 })).toBe(3_500);
    expect(roundPoolSats({ budgetSats: 10, spentSats: 0, roundsLeft: 3 })).toBe(3);
  });

  it('is empty once the budget is spent or no round is left', () => {
    expect(roundPoolSats({ budgetSats: 1_000, spentSats: 1_000, roundsLeft: 2 })).toBe(0);
    expect(roundPoolSats({ budgetSats: 1_000, spentSats: 0, roundsLeft: 0 })).toBe(0);
  });

  it('refuses a budget that is not a whole number of sats', () => {
    expect(() => roundPoolSats({ budgetSats: 1.5, spentSats: 0, roundsLeft: 1 })).toThrow(InvalidAmountError);
  });
});

describe('fitToPool', () => {
  const tranches = splitIntoTranches(3_000, 3);

  it('keeps what each earned when the pool covers it', () => {
    expect(fitToPool([3, 1, 0], tranches, 9_000)).toEqual([3, 1, 0]);
    expect(fitToPool([3, 1], tranches, 4_000)).toEqual([3, 1]);
  });

  it('scales every earner by the same share, in whole tranches, when the pool is short', () => {
    expect(fitToPool([3, 3], tranches, 2_000)).toEqual([1, 1]);
    expect(fitToPool([3, 3], tranches, 4_000)).toEqual([2, 2]);
    expect(fitToPool([3, 1], tranches, 2_000)).toEqual([1, 0]);
    expect(fitToPool([3, 3], tranches, 0)).toEqual([0, 0]);
  });

  it('never reveals more than the pool, nor more than anyone earned', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50_000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 16 }),
        fc.integer({ min: 0, max: 200_000 }),
        (capSats, count, earned, poolSats) => {
          fc.pre(count <= capSats);
          const split = splitIntoTranches(capSats, count);
          const clamped = earned.map((tranchesEarned) => Math.min(tranchesEarned, count));
          const fitted = fitToPool(clamped, split, poolSats);
          expect(revealedSats(fitted, split)).toBeLessThanOrEqual(poolSats);
          fitted.forEach((count, i) => expect(count).toBeLessThanOrEqual(clamped[i]!));
        },
      ),
    );
  });
});
