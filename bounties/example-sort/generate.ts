// Regenerates the example bounty's split data and its overfitting sample diff, deterministically:
//   npx tsx bounties/example-sort/generate.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 as seededRandom } from '../../model/prng';

const CASES_PER_SPLIT = 16;
const MIN_LENGTH = 24;
const MAX_LENGTH = 96;
const PERTURBED_CANARIES = 6;
const EDGE_CANARIES = [[7], [5, 5, 5, 5], [2, 1], [1, 2, 3, 4, 5, 6, 7, 8]];

type Pattern = (n: number, random: () => number) => number[];

const randomKeys = (n: number, random: () => number, range: number) =>
  Array.from({ length: n }, () => Math.floor(random() * range));
const ascending = (keys: number[]) => [...keys].sort((a, b) => a - b);

function swapRandomPairs(keys: number[], swaps: number, random: () => number): number[] {
  const out = [...keys];
  for (let s = 0; s < swaps; s += 1) {
    const i = Math.floor(random() * out.length);
    const j = Math.floor(random() * out.length);
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}

const PATTERNS: Pattern[] = [
  (n, random) => randomKeys(n, random, 10_000),
  (n, random) => swapRandomPairs(ascending(randomKeys(n, random, 10_000)), Math.ceil(n / 20), random),
  (n, random) => ascending(randomKeys(n, random, 10_000)).reverse(),
  (n, random) => randomKeys(n, random, 5),
  (n, random) => {
    const run = Math.ceil(n / 4);
    return Array.from({ length: 4 }, (_, r) =>
      ascending(randomKeys(Math.min(run, n - r * run), random, 10_000)),
    ).flat();
  },
];

function distinctLengths(count: number, random: () => number, excluded: Set<number>): number[] {
  const lengths = new Set<number>();
  while (lengths.size < count) {
    const n = MIN_LENGTH + Math.floor(random() * (MAX_LENGTH - MIN_LENGTH + 1));
    if (!excluded.has(n)) lengths.add(n);
  }
  return [...lengths];
}

function buildCases(lengths: number[], random: () => number): number[][] {
  return lengths.map((n, i) => (PATTERNS[i % PATTERNS.length] as Pattern)(n, random));
}

/** Canary cases: public cases with two unequal keys swapped (same lengths, different content), then edge cases. */
function buildCanaries(publicCases: number[][], random: () => number): number[][] {
  const perturbed = publicCases.slice(0, PERTURBED_CANARIES).map((keys) => {
    for (;;) {
      const changed = swapRandomPairs(keys, 1, random);
      if (changed.join(' ') !== keys.join(' ')) return changed;
    }
  });
  return [...perturbed, ...EDGE_CANARIES];
}

const toText = (cases: number[][]) => cases.map((keys) => keys.join(' ')).join('\n') + '\n';

/** Every data file of the example bounty, by path relative to its directory. */
export function buildSplitFiles(): Record<string, string> {
  const random = seededRandom(20_260_402);
  const publicLengths = distinctLengths(CASES_PER_SPLIT, random, new Set());
  const heldOutLengths = distinctLengths(CASES_PER_SPLIT, random, new Set(publicLengths));
  const publicCases = buildCases(publicLengths, random);
  const heldOutCases = buildCases(heldOutLengths, random);
  const canaries = buildCanaries(publicCases, random);
  return {
    'splits/public/cases.txt': toText(publicCases),
    'splits/held-out/cases.txt': toText(heldOutCases),
    'splits/canary/cases.txt': toText(canaries),
    'splits/canary/expected.txt': toText(canaries.map(ascending)),
  };
}

/**
 * A dishonest sort: it memorises, per public case length, the permutation that sorts that case, and
 * answers public cases without a single comparison. Held-out cases fall back to insertion sort; the
 * perturbed-public canaries come back wrong.
 */
function overfitSortSource(baseline: string, publicCases: number[][]): string {
  const memo = publicCases.map((keys) => {
    const order = keys.map((_, i) => i).sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
    return `  ${keys.length}: [${order.join(',')}],`;
  });
  return baseline
    .replace("'use strict';\n", `'use strict';\n\nconst MEMO = {\n${memo.join('\n')}\n};\n`)
    .replace(
      'function sort(items, compare) {\n',
      'function sort(items, compare) {\n  const memo = MEMO[items.length];\n  if (memo) return memo.map((i) => items[i]);\n',
    );
}

function unifiedDiff(path: string, before: string, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'example-sort-'));
  try {
    writeFileSync(join(dir, 'before'), before);
    writeFileSync(join(dir, 'after'), after);
    const diff = spawnSync('diff', ['-u', join(dir, 'before'), join(dir, 'after')], { encoding: 'utf8' });
    const body = diff.stdout.split('\n').slice(2).join('\n');
    return `--- a/${path}\n+++ b/${path}\n${body}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const files = buildSplitFiles();
  for (const [path, text] of Object.entries(files)) writeFileSync(join(__dirname, path), text);
  const baseline = readFileSync(join(__dirname, 'baseline/sort.js'), 'utf8');
  const publicCases = (files['splits/public/cases.txt'] ?? '')
    .trim()
    .split('\n')
    .map((line) => line.split(' ').map(Number));
  const overfit = overfitSortSource(baseline, publicCases);
  writeFileSync(join(__dirname, 'samples/overfit-public.diff'), unifiedDiff('sort.js', baseline, overfit));
}

if (require.main === module) main();
