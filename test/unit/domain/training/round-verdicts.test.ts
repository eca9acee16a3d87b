import type { PayoutRule } from '../../../../domain/money/payout';
import type { ScoredSubmission } from '../../../../domain/training/decide';
import { DEFAULT_DECISION_RULE } from '../../../../domain/training/decide';
import { roundVerdicts } from '../../../../domain/training/round-verdicts';

/** 1 000 sats in four tranches of 250; a loss delta of d earns floor(min(1 000, 10 000 × d)) sats. */
const payout: PayoutRule = {
  kind: 'linear-capped',
  capSats: 1_000,
  rateSatsPerUnit: 10_000,
  trancheCount: 4,
};
const settings = { decision: DEFAULT_DECISION_RULE, payout };

/** A scored update with its own payload and kept indices (no copies) and unit norm unless told. */
function scored(
  submissionId: string,
  lossDelta: number,
  extra: Partial<ScoredSubmission> = {},
): ScoredSubmission {
  const base = submissionId.charCodeAt(0) * 10;
  return {
    submissionId,
    payloadHash: `hash-${submissionId}`,
    keptPositions: [base, base + 1, base + 2],
    lossDelta,
    norm: 1,
    ...extra,
  };
}

type Expected = Record<string, [reason: string, reveal: number]>;

/*
 * The numbers are worked out by hand from the published rules, not by calling the rules:
 *   earned  = floor(min(1 000, 10 000 × delta)); tranches = floor(earned / 250)
 *   pool fit, only when Σ 250 × tranches > pool: tranches_i = floor(floor(250 × tranches_i × pool / Σ) / 250)
 */
describe('roundVerdicts', () => {
  it.each<[string, ScoredSubmission[], number, Expected]>([
    [
      'each accepted update is paid by its own loss delta (pool not binding)',
      // deltas 0.05 → 500 → 2; 0.1 → 1 000 → 4; 0.03 → 300 → 1; median of improving = 0.05, floor 0.0125
      [scored('a', 0.05), scored('b', 0.1), scored('c', 0.03), scored('d', -0.01)],
      10_000,
      {
        a: ['improves-loss', 2],
        b: ['improves-loss', 4],
        c: ['improves-loss', 1],
        d: ['no-improvement', 0],
      },
    ],
    [
      'a binding pool scales every reward by pool ÷ earned, rounded down to whole tranches',
      // earned 500 + 1 000 + 250 = 1 750 > 1 500: a 500×1500/1750 = 428 → 1; b 857 → 3; c 214 → 0
      [scored('a', 0.05), scored('b', 0.1), scored('c', 0.025)],
      1_500,
      { a: ['improves-loss', 1], b: ['improves-loss', 3], c: ['improves-loss', 0] },
    ],
    [
      'a pool exactly equal to what was earned pays it all',
      [scored('a', 0.05), scored('b', 0.1)],
      1_500,
      { a: ['improves-loss', 2], b: ['improves-loss', 4] },
    ],
    [
      'an empty pool pays nothing, though the updates are accepted',
      [scored('a', 0.05), scored('b', 0.1)],
      0,
      { a: ['improves-loss', 0], b: ['improves-loss', 0] },
    ],
    [
      'a delta past the cap earns the cap, one below a tranche earns nothing',
      // 0.5 → 5 000 capped at 1 000 → 4; 0.2 → 2 000 → 4; 0.0249 is below 0.25 × the median 0.2: weak
      [scored('a', 0.5), scored('b', 0.2), scored('c', 0.0249)],
      10_000,
      { a: ['improves-loss', 4], b: ['improves-loss', 4], c: ['weak-improvement', 0] },
    ],
    [
      'the floor is taken on the computed product: 0.0749 × 10 000 = 748.99… → 748 → 2 tranches',
      [scored('a', 0.0749), scored('b', 0.075)],
      10_000,
      { a: ['improves-loss', 2], b: ['improves-loss', 3] },
    ],
    [
      'a copy and a scaled-up update earn nothing and take nothing from the pool',
      // a earns 2, b 4 = 1 500 ≤ 1 500; the copy of b and the norm outlier are rejected before the fit
      [
        scored('a', 0.05),
        scored('b', 0.1),
        scored('e', 0.1, { payloadHash: 'hash-b' }),
        scored('f', 0.3, { norm: 10 }),
      ],
      1_500,
      {
        a: ['improves-loss', 2],
        b: ['improves-loss', 4],
        e: ['duplicate-payload', 0],
        f: ['norm-outlier', 0],
      },
    ],
  ])('%s', (_name, evidence, poolSats, expected) => {
    const verdicts = roundVerdicts(evidence, settings, poolSats);
    expect(
      Object.fromEntries([...verdicts].map(([id, verdict]) => [id, [verdict.reason, verdict.reveal]])),
    ).toEqual(expected);
    for (const [id, [reason]] of Object.entries(expected)) {
      expect(verdicts.get(id)?.accepted).toBe(reason === 'improves-loss');
    }
  });

  it('uneven tranches: 1 000 sats in three tranches [334, 333, 333] pay whole prefixes only', () => {
    const uneven = { decision: DEFAULT_DECISION_RULE, payout: { ...payout, trancheCount: 3 } };
    // 0.0667 → 667 = 334 + 333 → 2; 0.0666 → 666 < 667 → 1; 0.0334 → 334 → 1 (median 0.0666, floor 0.01665)
    const verdicts = roundVerdicts(
      [scored('a', 0.0667), scored('b', 0.0666), scored('c', 0.0334)],
      uneven,
      10_000,
    );
    expect([...verdicts.values()].map((verdict) => verdict.reveal)).toEqual([2, 1, 1]);
  });
});
