import type { EvalOutcome } from '../../../../domain/bounty/eval-outcome';
import { toEvalOutcome } from '../../../../domain/bounty/eval-outcome';
import type { SubmissionEvidence } from '../../../../domain/bounty/judge';
import { JUDGE_RULES, judgeSubmission } from '../../../../domain/bounty/judge';
import type { EvalResult } from '../../../../activities/sandbox/run-eval';

const score = (value: number): EvalOutcome => ({ kind: 'score', score: value });
const timeout: EvalOutcome = { kind: 'error', code: 'EVAL_TIMEOUT', detail: 'wall-clock' };
const crash: EvalOutcome = { kind: 'error', code: 'EVAL_FAILED', detail: 'exit status 1' };
const canary = (outcome: EvalOutcome) => ({
  probe: { name: 'perturbed', split: 'canary', expectedScore: 1, tolerance: 0 },
  outcome,
});

/** An honest, improving submission on a higher-is-better bounty; each case changes one thing. */
const honest: SubmissionEvidence = {
  direction: 'higher',
  bestScore: 0.16,
  tolerances: { claimAbsolute: 1e-6, claimRelative: 0.001, stability: 0, minImprovement: 0.001 },
  claimedPublicScore: 1.1537,
  publicRuns: [score(1.1537), score(1.1537)],
  heldOutRuns: [score(1.15), score(1.15)],
  canaryRuns: [canary(score(1))],
};

describe('judgeSubmission', () => {
  it.each<[string, Partial<SubmissionEvidence>, string, boolean]>([
    ['an honest improvement', {}, 'ACCEPTED', false],
    ['a claim within the relative tolerance', { claimedPublicScore: 1.154 }, 'ACCEPTED', false],
    ['a malformed diff', { diffRejection: 'DIFF_MALFORMED' }, 'DIFF_MALFORMED', true],
    ['a diff that does not apply', { diffRejection: 'DIFF_DOES_NOT_APPLY' }, 'DIFF_REJECTED', false],
    ['a diff touching the harness', { diffRejection: 'DIFF_TOUCHES_FORBIDDEN_FILE' }, 'DIFF_REJECTED', false],
    ['a copied diff', { copiedFrom: 'submission-1' }, 'DIFF_COPIED', true],
    ['an inflated claim', { claimedPublicScore: 1.3 }, 'CLAIM_NOT_REPRODUCED', true],
    ['an understated claim', { claimedPublicScore: 1.0 }, 'CLAIM_NOT_REPRODUCED', true],
    ['a failed canary', { canaryRuns: [canary(score(0.4))] }, 'CANARY_FAILED', true],
    [
      'a failed canary that also has no held-out improvement',
      { canaryRuns: [canary(score(0.4))], heldOutRuns: [score(0.16), score(0.16)] },
      'CANARY_FAILED',
      true,
    ],
    [
      'a canary that timed out while every other run scored',
      { canaryRuns: [canary(timeout)] },
      'CANARY_NO_SCORE',
      true,
    ],
    [
      'a canary that crashed while every other run scored',
      { canaryRuns: [canary(crash)] },
      'CANARY_NO_SCORE',
      true,
    ],
    [
      'a canary that printed no score line while every other run scored',
      { canaryRuns: [canary({ kind: 'error', code: 'EVAL_OUTPUT_INVALID', detail: 'no line' })] },
      'CANARY_NO_SCORE',
      true,
    ],
    [
      'a canary killed at a resource limit, one of two canaries',
      {
        canaryRuns: [
          canary(score(1)),
          canary({ kind: 'error', code: 'EVAL_RESOURCE_LIMIT', detail: 'memory' }),
        ],
      },
      'CANARY_NO_SCORE',
      true,
    ],
    [
      'a canary that timed out where a public run timed out too',
      { canaryRuns: [canary(timeout)], publicRuns: [score(1.1537), timeout] },
      'EVAL_TIMEOUT',
      false,
    ],
    [
      'a canary that crashed where the held-out runs did too',
      { canaryRuns: [canary(crash)], heldOutRuns: [crash, crash] },
      'EVAL_ERROR',
      false,
    ],
    [
      'a canary that crashed before any held-out run',
      { canaryRuns: [canary(crash)], heldOutRuns: [] },
      'EVAL_ERROR',
      false,
    ],
    ['a public run that timed out', { publicRuns: [score(1.1537), timeout] }, 'EVAL_TIMEOUT', false],
    ['a held-out run that crashed', { heldOutRuns: [crash, score(1.15)] }, 'EVAL_ERROR', false],
    ['no held-out run at all', { heldOutRuns: [] }, 'EVAL_ERROR', false],
    ['no public run at all', { publicRuns: [] }, 'EVAL_ERROR', false],
    ['public repeats that disagree', { publicRuns: [score(1.1537), score(1.1538)] }, 'UNSTABLE_SCORE', false],
    ['held-out repeats that disagree', { heldOutRuns: [score(1.15), score(1.2)] }, 'UNSTABLE_SCORE', false],
    [
      'a held-out score equal to the best',
      { heldOutRuns: [score(0.16), score(0.16)] },
      'NO_IMPROVEMENT',
      false,
    ],
    ['a gain within the minimum improvement', { heldOutRuns: [score(0.1605)] }, 'NO_IMPROVEMENT', false],
    ['a worse held-out score', { heldOutRuns: [score(0.1)] }, 'NO_IMPROVEMENT', false],
  ])('%s → %s (abusive: %s)', (_name, change, reason, abusive) => {
    const judgement = judgeSubmission({ ...honest, ...change });
    expect(judgement.reason).toBe(reason);
    expect(judgement.abusive).toBe(abusive);
    expect(judgement.stake).toBe(abusive ? 'forfeit' : 'refund');
    expect(judgement.verdict).toBe(reason === 'ACCEPTED' ? 'accepted' : 'rejected');
  });

  it('reports the median scores and the held-out improvement', () => {
    const judgement = judgeSubmission({ ...honest, heldOutRuns: [score(1.15)] });
    expect(judgement.publicScore).toBeCloseTo(1.1537, 10);
    expect(judgement.heldOutScore).toBe(1.15);
    expect(judgement.improvement).toBeCloseTo(0.99, 10);
  });

  it('measures improvement downwards on a lower-is-better bounty', () => {
    const lower: SubmissionEvidence = {
      ...honest,
      direction: 'lower',
      bestScore: 2.5,
      claimedPublicScore: 2.0,
      publicRuns: [score(2.0)],
      heldOutRuns: [score(2.1)],
    };
    expect(judgeSubmission(lower)).toMatchObject({ reason: 'ACCEPTED' });
    expect(judgeSubmission(lower).improvement).toBeCloseTo(0.4, 10);
    expect(judgeSubmission({ ...lower, heldOutRuns: [score(2.6)] })).toMatchObject({
      reason: 'NO_IMPROVEMENT',
    });
  });
});

describe('JUDGE_RULES (published as data)', () => {
  it('lists every reason once, abusive ones first, ending with acceptance', () => {
    const reasons = JUDGE_RULES.map((r) => r.reason);
    expect(new Set(reasons).size).toBe(reasons.length);
    const firstHonest = JUDGE_RULES.findIndex((r) => !r.abusive);
    expect(JUDGE_RULES.slice(firstHonest).every((r) => !r.abusive)).toBe(true);
    expect(JUDGE_RULES[JUDGE_RULES.length - 1]).toMatchObject({ reason: 'ACCEPTED', verdict: 'accepted' });
  });

  it('forfeits the stake exactly for the abusive reasons', () => {
    expect(JUDGE_RULES.filter((r) => r.stake === 'forfeit').map((r) => r.reason)).toEqual([
      'DIFF_MALFORMED',
      'DIFF_COPIED',
      'CLAIM_NOT_REPRODUCED',
      'CANARY_FAILED',
      'CANARY_NO_SCORE',
    ]);
    expect(JUDGE_RULES.every((r) => (r.stake === 'forfeit') === r.abusive)).toBe(true);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(JUDGE_RULES))).toEqual(JUDGE_RULES);
  });
});

describe('toEvalOutcome', () => {
  const run: EvalResult = {
    exitCode: 0,
    stdout: 'score: 0.5\n',
    stderr: '',
    timedOut: false,
    wallMs: 10,
    limitsMode: 'cgroup-v1',
  };

  it.each<[string, Partial<EvalResult>, EvalOutcome]>([
    ['a clean run', {}, { kind: 'score', score: 0.5 }],
    [
      'a timeout',
      { timedOut: true, killedBy: 'wall-clock', exitCode: 137 },
      { kind: 'error', code: 'EVAL_TIMEOUT', detail: 'killed by the wall-clock limit' },
    ],
    [
      'a memory kill',
      { killedBy: 'memory', exitCode: 134 },
      { kind: 'error', code: 'EVAL_RESOURCE_LIMIT', detail: 'killed by the memory limit' },
    ],
    [
      'a failing exit status, even with a score line',
      { exitCode: 1 },
      { kind: 'error', code: 'EVAL_FAILED', detail: 'exit status 1' },
    ],
  ])('%s', (_name, change, expected) => {
    expect(toEvalOutcome({ ...run, ...change }, 'accuracy')).toEqual({ ...expected, limits: 'cgroup-v1' });
  });

  it('turns output without a score line into EVAL_OUTPUT_INVALID', () => {
    expect(toEvalOutcome({ ...run, stdout: 'hello\n' }, 'accuracy')).toMatchObject({
      kind: 'error',
      code: 'EVAL_OUTPUT_INVALID',
    });
  });
});
