import { hunkLocator } from '../../domain/bounty/hunk-locator';
import type { HunkLocator } from '../../domain/bounty/hunk-locator';
import { parseUnifiedDiff } from '../../domain/bounty/unified-diff';
import { offsetSearchLocate } from '../../test/support/offset-search-locator';
import { printTable } from './synthetic';

/**
 * The unpaid bounty precheck's worst cases: locating every hunk of a 24 KB diff in a 20,000-line target, with
 * the linear locator and with the offset search it replaced, same inputs, same run, warmed up; p50/p90 per diff.
 */
const TARGET_LINES = 20_000;
const DIFF_BYTES = 24 * 1024;
const runs = Number(process.env.BENCH_RUNS ?? 15);

interface Case {
  name: string;
  lines: string[];
  diff: string;
}

function withHeader(body: string): string {
  return `--- a/target.txt\n+++ b/target.txt\n${body}`;
}

/** Fills the diff budget with hunks from `hunk(i)`. */
function fill(hunk: (i: number) => string): string {
  let body = '';
  for (let i = 0; body.length + hunk(i).length < DIFF_BYTES; i += 1) body += hunk(i);
  return withHeader(body);
}

function repeat(count: number, text: string): string {
  return text.repeat(count);
}

const same = Array.from({ length: TARGET_LINES }, () => 'x\n');
const numbered = Array.from({ length: TARGET_LINES }, (_, i) => `line ${i}\n`);
let seed = 7;
const coin = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) & 1 ? 'a\n' : 'b\n');
const twoLetters = Array.from({ length: TARGET_LINES }, coin);

const cases: Case[] = [
  {
    // The issue's attack: one long hunk that matches everywhere but its last line (quadratic for the old search).
    name: 'near-match everywhere (1 hunk)',
    lines: same,
    diff: (() => {
      const context = Math.floor((DIFF_BYTES - 64) / 3);
      return withHeader(`@@ -1,${context + 1} +1,${context + 1} @@\n${repeat(context, ' x\n')}-y\n+z\n`);
    })(),
  },
  {
    name: 'near-match, 8 hunks',
    lines: same,
    diff: (() => {
      const context = Math.floor((DIFF_BYTES - 512) / 24);
      return withHeader(
        Array.from(
          { length: 8 },
          () => `@@ -1,${context + 1} +1,${context + 1} @@\n${repeat(context, ' x\n')}-y\n+z\n`,
        ).join(''),
      );
    })(),
  },
  {
    // Every hunk states the last line and matches near the start: the longest walk for both locators.
    name: 'many hunks stated far away',
    lines: numbered,
    diff: fill((i) => `@@ -${TARGET_LINES},1 +${TARGET_LINES},1 @@\n-line ${i}\n+LINE ${i}\n`),
  },
  {
    // Two distinct lines, hunks stated 1,500 lines off: half the lines are candidates, walked one by one.
    name: 'two-letter target, 12-line hunks',
    lines: twoLetters,
    diff: fill((i) => {
      const at = i * 45;
      const old = twoLetters.slice(at, at + 12);
      return `@@ -${at + 1501},12 +${at + 1501},12 @@\n${old.map((l) => ` ${l}`).join('')}`;
    }),
  },
];

/** Locates every hunk in order, as the applier does; returns how many were found before the first miss. */
function locateAll(lines: string[], diff: string, locate: HunkLocator): number {
  let cursor = 0;
  let found = 0;
  for (const hunk of parseUnifiedDiff(diff)[0]?.hunks ?? []) {
    const oldLines = hunk.lines.filter((l) => l.kind !== 'add').map((l) => l.text);
    const at = locate(hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1, oldLines, cursor);
    if (at === undefined) return found;
    found += 1;
    cursor = at + oldLines.length;
  }
  return found;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

function measure(run: () => number): { p50: number; p90: number; found: number } {
  let found = run(); // warm-up
  run();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = process.hrtime.bigint();
    found = run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p90: percentile(times, 0.9), found };
}

const rows = cases.map(({ name, lines, diff }) => {
  const linear = measure(() => locateAll(lines, diff, hunkLocator(lines)));
  const offsetSearch = measure(() =>
    locateAll(lines, diff, (stated, oldLines, earliest) =>
      offsetSearchLocate(lines, stated, oldLines, earliest),
    ),
  );
  if (linear.found !== offsetSearch.found) throw new Error(`${name}: the locators disagree`);
  return [
    name,
    `${(Buffer.byteLength(diff) / 1024).toFixed(1)} KB`,
    parseUnifiedDiff(diff)[0]?.hunks.length ?? 0,
    linear.found,
    linear.p50.toFixed(2),
    linear.p90.toFixed(2),
    offsetSearch.p50.toFixed(1),
    offsetSearch.p90.toFixed(1),
    `${(offsetSearch.p50 / linear.p50).toFixed(0)}x`,
  ];
});
console.log(`${TARGET_LINES}-line target, ${runs} runs each after 2 warm-ups (ms)\n`);
printTable(
  ['case', 'diff', 'hunks', 'found', 'linear p50', 'p90', 'offset search p50', 'p90', 'speed-up'],
  rows,
);
