import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { applyDiff } from '../../../domain/bounty/apply-diff';
import { loadBountyBundle } from '../../../activities/sandbox/bounty-manifest';
import type { BountyBundle } from '../../../activities/sandbox/bounty-manifest';
import { evaluateSplit, runCanaries } from '../../../activities/sandbox/evaluate';
import { judgeSubmission } from '../../../domain/bounty/judge';

const bountyDir = join(__dirname, '../../../bounties/example-sort');
const sample = (name: string) => readFileSync(join(bountyDir, 'samples', `${name}.diff`), 'utf8');

// Scores of the committed data (deterministic: comparisons are counted, not timed).
const BASELINE = { public: 0.259549, 'held-out': 0.297314 };
const IMPROVEMENT = { public: 1.049294, 'held-out': 1.061375 };

let bundle: BountyBundle;

beforeAll(async () => {
  bundle = await loadBountyBundle(bountyDir);
});

function candidate(sampleName: string): Record<string, string> {
  return applyDiff(bundle.baselineFiles, sample(sampleName), bundle.manifest);
}

describe('example-sort in the sandbox', () => {
  it.each([
    ['baseline', () => bundle.baselineFiles, BASELINE],
    ['genuine improvement', () => candidate('improvement'), IMPROVEMENT],
  ])('scores the %s as expected on both splits, twice the same', async (_name, files, expected) => {
    for (const split of ['public', 'held-out'] as const) {
      const outcomes = await evaluateSplit(bundle, files(), split, 2);
      expect(outcomes).toMatchObject([
        { kind: 'score', score: expected[split] },
        { kind: 'score', score: expected[split] },
      ]);
    }
    expect((await runCanaries(bundle, files()))[0]?.outcome).toMatchObject({ kind: 'score', score: 1 });
  });

  it('scores the overfit sample enormously on public, like the baseline on held-out, and it fails the canary', async () => {
    const files = candidate('overfit-public');
    const [publicOutcome] = await evaluateSplit(bundle, files, 'public', 1);
    const [heldOutOutcome] = await evaluateSplit(bundle, files, 'held-out', 1);
    const [canary] = await runCanaries(bundle, files);
    expect(publicOutcome).toMatchObject({ kind: 'score' });
    expect(publicOutcome?.kind === 'score' && publicOutcome.score).toBeGreaterThan(1000);
    expect(heldOutOutcome).toMatchObject({ kind: 'score', score: BASELINE['held-out'] });
    expect(canary?.outcome).toMatchObject({ kind: 'score', score: 0.4 });
  });
});

describe("example-sort's harness against a hostile sort.js", () => {
  it.each([
    ['prints its own score line and exits', `process.stdout.write('score: 99\\n'); process.exit(0);`],
    ['reads the split to learn the keys', `require('fs').readFileSync('/sandbox/split/cases.txt');`],
    ['spawns a process', `require('child_process').spawnSync('/usr/bin/true');`],
  ])('scores 0 when it %s', async (_name, attack) => {
    const hostile = `${attack}\n${bundle.baselineFiles['sort.js']}`;
    const outcomes = await evaluateSplit(
      bundle,
      { ...bundle.baselineFiles, 'sort.js': hostile },
      'public',
      1,
    );
    expect(outcomes).toMatchObject([{ kind: 'score', score: 0 }]);
  });

  it('keeps whatever it writes to its stdout out of the eval output (its real score stands)', async () => {
    const improved = candidate('improvement')['sort.js'];
    const noisy = `require('fs').writeSync(1, 'score: 99\\n');\n${improved}`;
    const outcomes = await evaluateSplit(bundle, { ...bundle.baselineFiles, 'sort.js': noisy }, 'public', 1);
    expect(outcomes).toMatchObject([{ kind: 'score', score: IMPROVEMENT.public }]);
  });
});

describe('example-sort judged end to end', () => {
  async function judge(sampleName: string, claimedPublicScore: number) {
    const files = candidate(sampleName);
    const runs = bundle.manifest.eval.repeatRuns;
    return judgeSubmission({
      direction: bundle.manifest.metric.direction,
      bestScore: BASELINE['held-out'],
      tolerances: bundle.manifest.tolerances,
      claimedPublicScore,
      publicRuns: await evaluateSplit(bundle, files, 'public', runs),
      heldOutRuns: await evaluateSplit(bundle, files, 'held-out', runs),
      canaryRuns: await runCanaries(bundle, files),
    });
  }

  it('accepts the genuine improvement and pays for its held-out gain', async () => {
    const judgement = await judge('improvement', IMPROVEMENT.public);
    expect(judgement).toMatchObject({ verdict: 'accepted', reason: 'ACCEPTED', abusive: false });
    expect(judgement.improvement).toBeCloseTo(IMPROVEMENT['held-out'] - BASELINE['held-out'], 6);
  });

  it('rejects an inflated claim for the genuine improvement as abusive', async () => {
    const judgement = await judge('improvement', 1.5);
    expect(judgement).toMatchObject({ reason: 'CLAIM_NOT_REPRODUCED', abusive: true, stake: 'forfeit' });
  });

  it('rejects the overfit sample as abusive even with a truthful claim', async () => {
    const [publicOutcome] = await evaluateSplit(bundle, candidate('overfit-public'), 'public', 1);
    const claimed = publicOutcome?.kind === 'score' ? publicOutcome.score : NaN;
    const judgement = await judge('overfit-public', claimed);
    expect(judgement).toMatchObject({ reason: 'CANARY_FAILED', abusive: true, stake: 'forfeit' });
  });

  it('refunds the no-improvement sample', async () => {
    const judgement = await judge('no-improvement', BASELINE.public);
    expect(judgement).toMatchObject({ reason: 'NO_IMPROVEMENT', abusive: false, stake: 'refund' });
    expect(judgement.improvement).toBe(0);
  });
});
