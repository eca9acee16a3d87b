import {
  acceptsScore,
  decideRound,
  DEFAULT_DECISION_RULE,
  indexOverlap,
  malformedVerdict,
  type ScoredSubmission,
  stakeVerdictFor,
} from '../../../../domain/training/decide';

function submission(
  submissionId: string,
  lossDelta: number,
  keptPositions: number[],
  overrides: Partial<ScoredSubmission> = {},
): ScoredSubmission {
  return {
    submissionId,
    payloadHash: `hash-${submissionId}`,
    keptPositions,
    lossDelta,
    norm: 1,
    ...overrides,
  };
}

const disjoint = (offset: number) => Array.from({ length: 10 }, (_, i) => offset + i * 100);

describe('indexOverlap', () => {
  it.each<[number[], number[], number]>([
    [[1, 2, 3, 4], [3, 4, 5, 6], 0.5],
    [[1, 2], [1, 2], 1],
    [[1, 2], [3, 4], 0],
    [[], [1], 0],
    [[1, 5, 9], [0, 1, 2, 3, 4, 5], 2 / 3],
  ])('overlap of %j and %j is %p', (a, b, expected) => {
    expect(indexOverlap(a, b)).toBeCloseTo(expected, 12);
  });
});

describe('acceptsScore', () => {
  it.each<[number, boolean]>([
    [0.1, true],
    [0, false],
    [-0.1, false],
    [NaN, false],
    [Infinity, false],
  ])('delta %p → %p', (delta, expected) => {
    expect(acceptsScore(delta)).toBe(expected);
  });
});

describe('decideRound', () => {
  const honest = [
    submission('a', 0.2, disjoint(0)),
    submission('b', 0.25, disjoint(1)),
    submission('c', 0.22, disjoint(2)),
  ];

  it('accepts honest updates that lower the loss', () => {
    expect(decideRound(honest).map((v) => [v.submissionId, v.accepted, v.reason])).toEqual([
      ['a', true, 'improves-loss'],
      ['b', true, 'improves-loss'],
      ['c', true, 'improves-loss'],
    ]);
  });

  it.each<[string, ScoredSubmission, string, string | undefined]>([
    ['a sign-flipped update', submission('x', -0.2, disjoint(3)), 'no-improvement', undefined],
    ['a zero update', submission('x', 0, disjoint(3), { norm: 0 }), 'no-improvement', undefined],
    ['a random update', submission('x', 0.01, disjoint(3)), 'weak-improvement', undefined],
    ['a scaled-up update', submission('x', 1.5, disjoint(3), { norm: 20 }), 'norm-outlier', undefined],
    [
      'a resubmitted payload',
      submission('x', 0.25, disjoint(1), { payloadHash: 'hash-b' }),
      'duplicate-payload',
      'b',
    ],
    [
      'a re-encoded copy',
      submission('x', 0.25, [...disjoint(1).slice(0, 4), ...disjoint(7).slice(4)]),
      'index-overlap',
      'b',
    ],
    ['a NaN score', submission('x', NaN, disjoint(3)), 'non-finite-score', undefined],
  ])('rejects %s', (_case, adversary, reason, copyOf) => {
    const verdicts = decideRound([...honest, adversary]);
    const verdict = verdicts[3]!;
    expect(verdict.accepted).toBe(false);
    expect(verdict.reason).toBe(reason);
    expect(verdict.copyOf).toBe(copyOf);
    expect(verdicts.slice(0, 3).every((v) => v.accepted)).toBe(true);
  });

  it('keeps the first arrival and rejects the later copy', () => {
    const copy = submission('copy', 0.25, disjoint(0), { payloadHash: 'hash-a' });
    const verdicts = decideRound([copy, ...honest]);
    expect(verdicts[0]!.accepted).toBe(true);
    expect(verdicts[1]).toMatchObject({
      submissionId: 'a',
      accepted: false,
      reason: 'duplicate-payload',
      copyOf: 'copy',
    });
  });

  it('accepts overlap just under the threshold', () => {
    const partial = submission('p', 0.2, [...disjoint(0).slice(0, 3), ...disjoint(5).slice(3)]);
    expect(decideRound([honest[0]!, partial])[1]!.accepted).toBe(true);
    expect(DEFAULT_DECISION_RULE.copyOverlapThreshold).toBe(0.4);
  });

  it('gives the same verdicts for the same inputs', () => {
    const round = [...honest, submission('x', -1, disjoint(4))];
    expect(decideRound(round)).toEqual(decideRound(round.map((s) => ({ ...s }))));
  });
});

describe('malformedVerdict', () => {
  it('rejects a payload the decoder refused', () => {
    expect(malformedVerdict('x')).toEqual({
      submissionId: 'x',
      accepted: false,
      reason: 'malformed-payload',
      overlap: 0,
    });
  });
});

describe('stakeVerdictFor', () => {
  it('forfeits the stake of a copy or a malformed payload', () => {
    const round = [submission('a', 0.5, disjoint(0)), submission('b', 0.5, disjoint(0))];
    const copy = decideRound(round)[1]!;
    expect(copy.reason).toBe('index-overlap');
    expect(stakeVerdictFor(copy.reason)).toBe('forfeit');
    expect(stakeVerdictFor('duplicate-payload')).toBe('forfeit');
    expect(stakeVerdictFor(malformedVerdict('x').reason)).toBe('forfeit');
  });

  it('refunds every honest outcome, accepted or not', () => {
    for (const reason of [
      'improves-loss',
      'no-improvement',
      'weak-improvement',
      'norm-outlier',
      'non-finite-score',
      'no-verdict',
      'not-scored-in-time',
    ]) {
      expect(stakeVerdictFor(reason)).toBe('refund');
    }
  });
});
