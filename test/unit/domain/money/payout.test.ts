import fc from 'fast-check';

import {
  InvalidPayoutRuleError,
  InvalidScoreError,
  MAX_TRANCHES,
  earnedSats,
  parsePayoutRule,
  splitIntoTranches,
  tranchesEarned,
  type PayoutRule,
} from '../../../../domain/money';

const rule: PayoutRule = { kind: 'linear-capped', capSats: 1000, rateSatsPerUnit: 10_000, trancheCount: 4 };

const ruleArb: fc.Arbitrary<PayoutRule> = fc
  .record({
    capSats: fc.integer({ min: 1, max: 100_000_000 }),
    rateSatsPerUnit: fc.double({ min: 0, max: 1e9, noNaN: true }),
    trancheCount: fc.integer({ min: 1, max: MAX_TRANCHES }),
  })
  .map((r) => ({ kind: 'linear-capped' as const, ...r, trancheCount: Math.min(r.trancheCount, r.capSats) }));

const scoreArb = fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true });

describe('tranchesEarned', () => {
  it.each([
    // improvement, earned, revealed, sats
    [-0.2, 0, 0, 0],
    [0, 0, 0, 0],
    // 0.0249 × 10000 is 248.99999999999997 in IEEE-754: the floor is taken on the computed product
    [0.0249, 248, 0, 0],
    [0.025, 250, 1, 250],
    [0.0375, 375, 1, 250],
    [0.05, 500, 2, 500],
    [0.0999, 999, 3, 750],
    [0.1, 1000, 4, 1000],
    [5, 1000, 4, 1000],
  ])('improvement %p earns %i sats → %i tranches worth %i sats', (improvement, earned, revealed, sats) => {
    expect(earnedSats(rule, improvement)).toBe(earned);
    expect(tranchesEarned(rule, improvement)).toEqual({ revealed, sats });
  });

  it('reveals the larger tranches first when the cap does not divide evenly', () => {
    const uneven: PayoutRule = { ...rule, capSats: 1003 };
    expect(splitIntoTranches(1003, 4)).toEqual([251, 251, 251, 250]);
    expect(tranchesEarned(uneven, 0.0501)).toEqual({ revealed: 1, sats: 251 });
    expect(tranchesEarned(uneven, 0.0753)).toEqual({ revealed: 3, sats: 753 });
  });

  it.each([NaN, Infinity, -Infinity])('refuses to pay on a non-finite score (%p)', (score) => {
    expect(() => tranchesEarned(rule, score)).toThrow(InvalidScoreError);
  });

  it('never pays more than earned nor more than the cap, and pays the sum of the revealed prefix', () => {
    fc.assert(
      fc.property(ruleArb, scoreArb, (r, score) => {
        const { revealed, sats } = tranchesEarned(r, score);
        const tranches = splitIntoTranches(r.capSats, r.trancheCount);
        expect(sats).toBeLessThanOrEqual(earnedSats(r, score));
        expect(sats).toBeLessThanOrEqual(r.capSats);
        expect(sats).toBe(tranches.slice(0, revealed).reduce((a, b) => a + b, 0));
        expect(revealed).toBeGreaterThanOrEqual(0);
        expect(revealed).toBeLessThanOrEqual(r.trancheCount);
      }),
    );
  });

  it('rounds down by less than one tranche: the next tranche would overpay', () => {
    fc.assert(
      fc.property(ruleArb, scoreArb, (r, score) => {
        const { revealed, sats } = tranchesEarned(r, score);
        const next = splitIntoTranches(r.capSats, r.trancheCount)[revealed];
        if (next !== undefined) expect(sats + next).toBeGreaterThan(earnedSats(r, score));
      }),
    );
  });

  it('is monotone in the score', () => {
    fc.assert(
      fc.property(ruleArb, scoreArb, scoreArb, (r, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const lowPay = tranchesEarned(r, low);
        const highPay = tranchesEarned(r, high);
        expect(lowPay.revealed).toBeLessThanOrEqual(highPay.revealed);
        expect(lowPay.sats).toBeLessThanOrEqual(highPay.sats);
      }),
    );
  });

  it('pays nothing for a score without improvement', () => {
    fc.assert(
      fc.property(ruleArb, fc.double({ min: -1e6, max: 0, noNaN: true }), (r, score) => {
        expect(tranchesEarned(r, score)).toEqual({ revealed: 0, sats: 0 });
      }),
    );
  });
});

describe('parsePayoutRule', () => {
  it('accepts a published rule and returns it', () => {
    expect(parsePayoutRule(JSON.parse(JSON.stringify(rule)))).toEqual(rule);
  });

  it.each([
    [{ ...rule, kind: 'quadratic' }, 'kind'],
    [{ ...rule, capSats: 0 }, 'capSats'],
    [{ ...rule, capSats: 10.5 }, 'capSats'],
    [{ ...rule, rateSatsPerUnit: -1 }, 'rateSatsPerUnit'],
    [{ ...rule, trancheCount: 0 }, 'trancheCount'],
    [{ ...rule, trancheCount: 484 }, 'trancheCount'],
    [{ ...rule, capSats: 3, trancheCount: 4 }, 'trancheCount'],
    [{ ...rule, extra: true }, 'extra'],
    ['not a rule', '(rule)'],
  ])('rejects %j naming %s', (data, field) => {
    expect(() => parsePayoutRule(data)).toThrow(InvalidPayoutRuleError);
    expect(() => parsePayoutRule(data)).toThrow(field);
  });
});
