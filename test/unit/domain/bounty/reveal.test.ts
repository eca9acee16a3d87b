import type { EvalOutcome } from '../../../../domain/bounty/eval-outcome';
import type { SubmissionEvidence } from '../../../../domain/bounty/judge';
import { judgeSubmission } from '../../../../domain/bounty/judge';
import type { PayoutRule } from '../../../../domain/money/payout';
import { bountyReveal } from '../../../../domain/bounty/reveal';

/** 1 000 sats in four tranches of 250; an improvement of d earns floor(min(1 000, 10 000 × d)) sats. */
const rule: PayoutRule = { kind: 'linear-capped', capSats: 1_000, rateSatsPerUnit: 10_000, trancheCount: 4 };
const score = (value: number): EvalOutcome => ({ kind: 'score', score: value });

/** Evidence of a submission scoring `heldOut` on the held-out split against a best of 0.5; scores are binary fractions. */
function evidence(heldOut: number, extra: Partial<SubmissionEvidence> = {}): SubmissionEvidence {
  return {
    direction: 'higher',
    bestScore: 0.5,
    tolerances: { claimAbsolute: 1e-6, claimRelative: 0, stability: 0, minImprovement: 0.001 },
    claimedPublicScore: 0.75,
    publicRuns: [score(0.75), score(0.75)],
    heldOutRuns: [score(heldOut), score(heldOut)],
    canaryRuns: [
      { probe: { name: 'known', split: 'canary', expectedScore: 1, tolerance: 0 }, outcome: score(1) },
    ],
    ...extra,
  };
}

// revealed = floor(floor(min(1 000, 10 000 × (heldOut − 0.5))) / 250) when accepted, else 0, worked out by hand.
describe('bountyReveal (judge, then payout rule)', () => {
  it.each<[string, SubmissionEvidence, string, number]>([
    ['improvement 0.25 → 2 500 capped at 1 000 → 4 tranches', evidence(0.75), 'ACCEPTED', 4],
    ['improvement 0.0625 → 625 → 2 tranches', evidence(0.5625), 'ACCEPTED', 2],
    ['improvement 0.03125 → 312 → 1 tranche', evidence(0.53125), 'ACCEPTED', 1],
    ['improvement 0.015625 → 156 → accepted but below one tranche', evidence(0.515625), 'ACCEPTED', 0],
    ['no improvement over the best', evidence(0.5), 'NO_IMPROVEMENT', 0],
    [
      'lower is better: 0.5 → 0.4375 improves by 0.0625 → 2 tranches',
      evidence(0.4375, { direction: 'lower', claimedPublicScore: 0.25, publicRuns: [score(0.25)] }),
      'ACCEPTED',
      2,
    ],
    [
      'a failed canary pays nothing whatever its held-out score',
      evidence(0.75, {
        canaryRuns: [
          { probe: { name: 'known', split: 'canary', expectedScore: 1, tolerance: 0 }, outcome: score(0) },
        ],
      }),
      'CANARY_FAILED',
      0,
    ],
    [
      'an inflated claim pays nothing',
      evidence(0.75, { claimedPublicScore: 0.9 }),
      'CLAIM_NOT_REPRODUCED',
      0,
    ],
    ['a copied diff pays nothing', evidence(0.75, { copiedFrom: 'submission-1' }), 'DIFF_COPIED', 0],
  ])('%s', (_name, submitted, reason, revealed) => {
    const judgement = judgeSubmission(submitted);
    expect(judgement.reason).toBe(reason);
    expect(bountyReveal(judgement, rule)).toBe(revealed);
  });
});
