'use strict';
// The bounty's harness (not editable by submissions). Runs under plain `node` with no dependencies.
//
// $SPLIT_DIR/cases.txt holds one case per line: space-separated integer keys. Each case is handed to
// sort() as opaque items in that order, with a counting comparator. Prints exactly one line:
//   scored splits: `score: <lower bound / comparisons>` where the lower bound is sum(log2(n!)) over the
//                  cases (higher is better); `score: 0` if any case comes back wrong.
//   canary split ($SPLIT_DIR/expected.txt exists): `score: <fraction of cases equal to the expected line>`.

const fs = require('fs');
const path = require('path');

// Captured before the candidate module loads, so it cannot swap them out.
const writeStdout = fs.writeSync.bind(fs, 1);
const readKey = WeakMap.prototype.get;
const keys = new WeakMap();

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

function keyOf(item) {
  const key = readKey.call(keys, item);
  if (key === undefined) throw new Error('compare() was given something that is not an item of this case');
  return key;
}

/** Runs sort() on one case; returns the keys in the order sort() returned the items, and the comparisons. */
function runCase(sort, caseKeys) {
  const items = caseKeys.map((key) => {
    const item = Object.freeze(Object.create(null));
    keys.set(item, key);
    return item;
  });
  let comparisons = 0;
  const compare = (a, b) => {
    comparisons += 1;
    const ka = keyOf(a);
    const kb = keyOf(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  const result = sort(items.slice(), compare);
  const returned = Array.isArray(result) ? result : [];
  const isPermutation = returned.length === items.length && new Set(returned).size === items.length;
  const sameItems = isPermutation && returned.every((item) => items.includes(item));
  return { sortedKeys: sameItems ? returned.map(keyOf) : undefined, comparisons };
}

function isAscending(values) {
  return values.every((value, i) => i === 0 || values[i - 1] <= value);
}

function scoreSplit(sort, cases) {
  let lowerBound = 0;
  let comparisons = 0;
  for (const caseKeys of cases) {
    const run = runCase(sort, caseKeys);
    if (!run.sortedKeys || !isAscending(run.sortedKeys)) {
      process.stderr.write(`wrong answer on a case of ${caseKeys.length} keys\n`);
      return 0;
    }
    lowerBound += log2Factorial(caseKeys.length);
    comparisons += run.comparisons;
  }
  return lowerBound / Math.max(comparisons, 1);
}

function scoreCanary(sort, cases, expected) {
  const correct = cases.filter((caseKeys, i) => {
    const run = runCase(sort, caseKeys);
    return run.sortedKeys !== undefined && run.sortedKeys.join(' ') === parseCase(expected[i]).join(' ');
  });
  return correct.length / cases.length;
}

function main() {
  const cases = readLines('cases.txt').map(parseCase);
  const isCanary = fs.existsSync(path.join(process.env.SPLIT_DIR, 'expected.txt'));
  const { sort } = require('./sort.js');
  const score = isCanary ? scoreCanary(sort, cases, readLines('expected.txt')) : scoreSplit(sort, cases);
  writeStdout(`score: ${score.toFixed(6)}\n`);
}

main();
