import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { storeFiles } from '../../../activities/blobs';
import { bountyEvalActivities, splitHash } from '../../../activities/bounty-eval';
import { failureBoundary } from '../../../activities/failure-boundary';
import { loadBountyBundle } from '../../../activities/sandbox';
import { directoryBlobStore } from '../../../db/blobs';

const bountiesDir = join(__dirname, '../../../bounties');
const sample = (name: string) =>
  readFileSync(join(bountiesDir, 'example-sort/samples', `${name}.diff`), 'utf8');
const blobDir = mkdtempSync(join(tmpdir(), 'l402-diffs-'));
const blobs = directoryBlobStore(blobDir);
const activities = bountyEvalActivities({ bountiesDir, blobs });
/** A diff as the API hands it on: stored, then named by its hash. */
const stored = (diff: string) => blobs.put(Buffer.from(diff, 'utf8'));
afterAll(() => rmSync(blobDir, { recursive: true, force: true }));

/** One activity call inside the failure boundary every worker runs its activities in. */
async function run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) {
  const environment = new MockActivityEnvironment(undefined, { interceptors: [failureBoundary] });
  return { result: (await environment.run(fn, ...args)) as R };
}

describe('bounty eval activities (validation queue)', () => {
  it('loads a bounty: publishes the held-out split hash, never the held-out data', async () => {
    const bundle = await loadBountyBundle(join(bountiesDir, 'example-sort'));
    const { result } = await run(activities.loadBounty, { bundle: 'example-sort' });
    expect(result.heldOutHash).toBe(splitHash(bundle.splits['held-out'] ?? {}));
    expect(JSON.stringify(result)).not.toContain(bundle.splits['held-out']?.['cases.txt']?.slice(0, 40));
    expect(result).toMatchObject({ allowedFiles: ['sort.js'], direction: 'higher', repeatRuns: 2 });
  });

  it.each([
    [
      'a genuine diff',
      sample('improvement'),
      { ok: true, diffHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ],
    [
      'a diff to another file',
      sample('improvement').replaceAll('sort.js', 'eval.js'),
      { ok: false, rejection: 'DIFF_TOUCHES_FORBIDDEN_FILE' },
    ],
    ['something that is not a diff', 'hello', { ok: false, rejection: 'DIFF_MALFORMED' }],
  ])('pre-checks %s', async (_name, diff, expected) => {
    const { baselineFiles } = await loadBountyBundle(join(bountiesDir, 'example-sort'));
    const { result } = await run(activities.checkDiff, {
      bundle: 'example-sort',
      baselineSha256: await storeFiles(blobs, baselineFiles),
      diffSha256: await stored(diff),
    });
    expect(result).toMatchObject(expected);
  });

  it.each([
    ['BLOB_NOT_FOUND', 'a diff never stored', async () => 'ef'.repeat(32)],
    [
      'BLOB_CORRUPT',
      'a stored diff altered since',
      async () => {
        const diffSha256 = await stored(sample('improvement'));
        writeFileSync(join(blobDir, diffSha256.slice(0, 2), diffSha256), sample('no-improvement'));
        return diffSha256;
      },
    ],
  ])('fails for good with %s on %s', async (code, _what, diffSha256) => {
    const { baselineFiles } = await loadBountyBundle(join(bountiesDir, 'example-sort'));
    const failure = await run(activities.checkDiff, {
      bundle: 'example-sort',
      baselineSha256: await storeFiles(blobs, baselineFiles),
      diffSha256: await diffSha256(),
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: code, nonRetryable: true });
  });

  it('runs a hostile candidate to an outcome, not a crash', async () => {
    const { baselineFiles } = await loadBountyBundle(join(bountiesDir, 'example-sort'));
    const hostile = {
      ...baselineFiles,
      'sort.js': `require('child_process').spawnSync('/usr/bin/true');\n${baselineFiles['sort.js']}`,
    };
    const { result } = await run(activities.evalSplit, {
      bundle: 'example-sort',
      baselineSha256: await storeFiles(blobs, hostile),
      diffSha256: await stored(sample('no-improvement')),
      split: 'public',
      runs: 1,
    });
    expect(result).toMatchObject([{ kind: 'score', score: 0 }]);
  });

  it('fails for good (non-retryable, with a code) on a bundle it does not have', async () => {
    const failure = await run(activities.loadBounty, { bundle: 'no-such-bundle' }).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'BOUNTY_BUNDLE_INVALID', nonRetryable: true });
  });

  it('refuses, for good and before any invoice, a per-eval bundle where only processes can be limited', async () => {
    process.env.L402_SANDBOX_LIMITS = 'process';
    try {
      const failure = await run(activities.loadBounty, { bundle: 'example-sort' }).catch(
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE', nonRetryable: true });
    } finally {
      delete process.env.L402_SANDBOX_LIMITS;
    }
  });
});
