'use strict';
// The bounty's harness (not editable by submissions). Runs under plain `node` with no dependencies.
//
// $SPLIT_DIR/cases.txt holds one case per line: space-separated integer keys. The candidate's sort() runs in a
// separate, permission-restricted process (candidate-host.js) that never sees the keys: it sorts opaque items
// and every compare() is answered and counted here. Prints exactly one line:
//   scored splits: `score: <lower bound / comparisons>` where the lower bound is sum(log2(n!)) over the
//                  cases (higher is better); `score: 0` if any case comes back wrong.
//   canary split ($SPLIT_DIR/expected.txt exists): `score: <fraction of cases equal to the expected line>`.

const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

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
 * Starts the candidate host and returns the channel to it. The host gets the write end of a "requests" FIFO
 * and the read end of a "replies" FIFO as fds 3 and 4 and holds the only writer of "requests", so its exit,
 * for whatever reason, ends our reads (EOF) instead of leaving us waiting.
 */
function startCandidate() {
  const scratch = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'sort-'));
  const requests = path.join(scratch, 'requests');
  const replies = path.join(scratch, 'replies');
  const made = spawnSync('mkfifo', ['-m', '600', requests, replies]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;
  // A non-blocking reader lets us open each writer without waiting; then a blocking reader replaces it.
  const openPair = (fifo) => {
    const placeholder = fs.openSync(fifo, O_RDONLY | O_NONBLOCK);
    const writer = fs.openSync(fifo, O_WRONLY);
    const reader = fs.openSync(fifo, O_RDONLY);
    fs.closeSync(placeholder);
    return { reader, writer };
  };
  const requestPipe = openPair(requests);
  const replyPipe = openPair(replies);
  const code = ['candidate-host.js', 'channel.js', 'sort.js'].map((file) => path.join(__dirname, file));
  const host = spawn(
    process.execPath,
    ['--experimental-permission', '--no-warnings', ...code.map((file) => `--allow-fs-read=${file}`), code[0]],
    { stdio: ['ignore', 'ignore', 'inherit', requestPipe.writer, replyPipe.reader] },
  );
  host.unref();
  fs.closeSync(requestPipe.writer);
  fs.closeSync(replyPipe.reader);
  return new LineChannel(requestPipe.reader, replyPipe.writer);
}

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
  const channel = startCandidate();
  const score = isCanary
    ? scoreCanary(channel, cases, readLines('expected.txt'))
    : scoreSplit(channel, cases);
  channel.writeLine('end');
  process.stdout.write(`score: ${score.toFixed(6)}\n`);
}

main();
