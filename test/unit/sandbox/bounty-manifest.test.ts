import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadBountyBundle, parseBountyManifest } from '../../../activities/sandbox/bounty-manifest';
import { buildSplitFiles } from '../../../bounties/example-sort/generate';

const exampleDir = join(__dirname, '../../../bounties/example-sort');
const exampleJson = JSON.parse(readFileSync(join(exampleDir, 'bounty.json'), 'utf8')) as Record<
  string,
  unknown
>;

describe('the example-sort bounty', () => {
  it('loads with its baseline and every split', async () => {
    const bundle = await loadBountyBundle(exampleDir);
    expect(bundle.manifest).toMatchObject({ id: 'example-sort', allowedFiles: ['sort.js'] });
    expect(Object.keys(bundle.baselineFiles).sort()).toEqual([
      'candidate-host.js',
      'channel.js',
      'eval.js',
      'sort.js',
    ]);
    expect(Object.keys(bundle.splits).sort()).toEqual(['canary', 'held-out', 'public']);
    expect(bundle.splits['canary']?.['expected.txt']).toBeDefined();
  });

  it('has split data that its generator reproduces byte for byte', () => {
    for (const [path, text] of Object.entries(buildSplitFiles())) {
      expect(readFileSync(join(exampleDir, path), 'utf8')).toBe(text);
    }
  });

  it('keeps held-out case lengths apart from public ones, and canaries at public lengths', () => {
    const lengths = (path: string) =>
      readFileSync(join(exampleDir, path), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' ').length);
    const publicLengths = new Set(lengths('splits/public/cases.txt'));
    expect(lengths('splits/held-out/cases.txt').some((n) => publicLengths.has(n))).toBe(false);
    expect(lengths('splits/canary/cases.txt').filter((n) => publicLengths.has(n)).length).toBeGreaterThan(0);
  });
});

const withEval = (change: Record<string, unknown>) => ({
  eval: { ...(exampleJson['eval'] as object), ...change },
});

describe('parseBountyManifest', () => {
  it.each<[string, Record<string, unknown>]>([
    ['an allowed file outside the baseline', { allowedFiles: ['other.js'] }],
    ['a missing held-out split', { splits: { public: { dir: 'splits/public', files: ['cases.txt'] } } }],
    ['an unknown direction', { metric: { name: 'score', direction: 'sideways' } }],
    ['an escaping baseline path', { baseline: { dir: '../elsewhere', files: ['sort.js'] } }],
    ['an empty harness command', withEval({ harness: { files: ['eval.js'], command: [] } })],
    [
      'an editable file in the harness',
      withEval({ harness: { files: ['eval.js', 'sort.js'], command: ['node', 'eval.js'] } }),
    ],
    [
      'an editable file outside the candidate',
      withEval({ candidate: { files: ['candidate-host.js'], command: ['node', 'candidate-host.js'] } }),
    ],
    [
      'a harness file outside the baseline',
      withEval({ harness: { files: ['other.js'], command: ['node'] } }),
    ],
    ['no pipe', withEval({ pipes: [] })],
    ['a pipe on the harness stdout', withEval({ pipes: [{ from: 'harness', fromFd: 1, toFd: 3 }] })],
    ['a pipe on the candidate stderr', withEval({ pipes: [{ from: 'candidate', fromFd: 2, toFd: 3 }] })],
    ['a pipe on the ready fd', withEval({ pipes: [{ from: 'candidate', fromFd: 9, toFd: 3 }] })],
    [
      'two pipes on one fd',
      withEval({
        pipes: [
          { from: 'candidate', fromFd: 3, toFd: 3 },
          { from: 'harness', fromFd: 3, toFd: 4 },
        ],
      }),
    ],
    [
      'a canary on an undeclared split',
      { canaries: [{ name: 'c', split: 'nowhere', expectedScore: 1, tolerance: 0 }] },
    ],
  ])('rejects %s as BOUNTY_MANIFEST_INVALID', (_name, change) => {
    expect(() => parseBountyManifest({ ...exampleJson, ...change })).toThrow(
      expect.objectContaining({ code: 'BOUNTY_MANIFEST_INVALID' }),
    );
  });
});
