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

describe('parseBountyManifest', () => {
  it.each<[string, Record<string, unknown>]>([
    ['an allowed file outside the baseline', { allowedFiles: ['other.js'] }],
    ['a missing held-out split', { splits: { public: { dir: 'splits/public', files: ['cases.txt'] } } }],
    ['an unknown direction', { metric: { name: 'score', direction: 'sideways' } }],
    ['an escaping baseline path', { baseline: { dir: '../elsewhere', files: ['sort.js'] } }],
    ['an empty eval command', { eval: { ...(exampleJson['eval'] as object), command: [] } }],
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
