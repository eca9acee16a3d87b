'use strict';
// The bounty's harness (not editable by submissions). Runs under plain `node` with no dependencies.
//
// $SPLIT_DIR/cases.txt holds one case per line: space-separated integer keys. The candidate's sort() runs in
// its own sandbox (candidate-host.js) that never sees the keys, the split or its name: it sorts opaque items
// and every compare() is answered and counted here. Prints exactly one line:
//   scored splits: `score: <lower bound / comparisons>` where the lower bound is sum(log2(n!)) over the
//                  cases (higher is better); `score: 0` if any case comes back wrong.
//   canary split ($SPLIT_DIR/expected.txt exists): `score: <fraction of cases equal to the expected line>`.

const fs = require('fs');
const path = require('path');

const { LineChannel } = require('./channel.js');

function readLines(file) {
  const text = fs.readFileSync(path.join(process.env.SPLIT_DIR, file), 'utf8');
  return text.split('\n').filter((line) => line.trim() !== '');
}

function parseCase(line) {
  return line.trim().split(/\s+/).map(Number);
}

function log2Factorial(n) {
  let bits = 0;
  for (let i = 2; i <= n; i += 1) bits += Math.log2(i);
  return bits;
}

/**
 * The candidate (candidate-host.js with sort.js) runs in its own sandbox, started by the host, not by us: we
 * read its requests on fd 3 and write replies on fd 4, the pipes bounty.json declares. Its end, for whatever
 * reason, ends our reads (EOF) and writes (EPIPE) instead of leaving us waiting.
 */
const REQUESTS_FD = 3;
const REPLIES_FD = 4;

/** Sorts one case through the candidate; returns the keys in the order it answered, and the comparisons. */
function runCase(channel, keys) {
  if (!channel.writeLine(`case ${keys.length}`)) return { sortedKeys: undefined, comparisons: 0 };
  let comparisons = 0;
  for (let message = channel.readLine(); message !== undefined; message = channel.readLine()) {
    const [kind, ...ids] = message.split(' ');
    const indices = ids.filter((id) => id !== '').map(Number);
    const valid = indices.every((i) => Number.isInteger(i) && i >= 0 && i < keys.length);
    if (kind === 'cmp' && indices.length === 2 && valid) {
      comparisons += 1;
      const [a, b] = indices.map((i) => keys[i]);
      if (!channel.writeLine(a < b ? '-1' : a > b ? '1' : '0')) break;
    } else if (
      kind === 'done' &&
      valid &&
      indices.length === keys.length &&
      new Set(indices).size === keys.length
    ) {
      return { sortedKeys: indices.map((i) => keys[i]), comparisons };
    } else {
      return { sortedKeys: undefined, comparisons };
    }
  }
  return { sortedKeys: undefined, comparisons };
}

function isAscending(values) {
  return values.every((value, i) => i === 0 || values[i - 1] <= value);
}

function scoreSplit(channel, cases) {
  let lowerBound = 0;
  let comparisons = 0;
  for (const keys of cases) {
    const run = runCase(channel, keys);
    if (!run.sortedKeys || !isAscending(run.sortedKeys)) {
      process.stderr.write(`wrong answer on a case of ${keys.length} keys\n`);
      return 0;
    }
    lowerBound += log2Factorial(keys.length);
    comparisons += run.comparisons;
  }
  return lowerBound / Math.max(comparisons, 1);
}

function scoreCanary(channel, cases, expected) {
  const correct = cases.filter((keys, i) => {
    const run = runCase(channel, keys);
    return run.sortedKeys !== undefined && run.sortedKeys.join(' ') === expected[i];
  });
  return correct.length / cases.length;
}

function main() {
  const cases = readLines('cases.txt').map(parseCase);
  const isCanary = fs.existsSync(path.join(process.env.SPLIT_DIR, 'expected.txt'));
  const channel = new LineChannel(REQUESTS_FD, REPLIES_FD);
  const score = isCanary
    ? scoreCanary(channel, cases, readLines('expected.txt'))
    : scoreSplit(channel, cases);
  channel.writeLine('end');
  process.stdout.write(`score: ${score.toFixed(6)}\n`);
}

main();
