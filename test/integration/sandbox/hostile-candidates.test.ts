import { join } from 'node:path';

import { loadBountyBundle } from '../../../activities/sandbox/bounty-manifest';
import type { BountyBundle } from '../../../activities/sandbox/bounty-manifest';
import { evaluateSplit, runCanaries } from '../../../activities/sandbox/evaluate';
import { judgeSubmission } from '../../../domain/bounty/judge';
import type { JudgeReason } from '../../../domain/bounty/judge';
import { runEval } from '../../../activities/sandbox/run-eval';

// The hostile-input corpus for the sandbox: candidates that attack the harness that scores them. The
// candidate runs plain `node` (no permission model), so what holds them is the sandbox, not a Node flag.
const bountyDir = join(__dirname, '../../../bounties/example-sort');
const BASELINE_PUBLIC = 0.259549;
const FORGED_SCORE = 1000;

/** Everything the attacks find goes to the candidate's stderr as one `found: <json>` line per attack. */
const REPORT = `const report = (attack, found) => process.stderr.write('found: ' + JSON.stringify({ attack, found }) + '\\n');
const fs = require('fs');
const pids = () => fs.readdirSync('/proc').filter((e) => /^\\d+$/.test(e)).map(Number);
const read = (path) => { try { return fs.readFileSync(path, 'latin1'); } catch (err) { return 'ERR ' + err.code; } };
`;

const SIGNALS = `${REPORT}
const ownThreads = fs.readdirSync('/proc/self/task').map(Number);
const targets = [...new Set([...pids(), process.ppid, ...Array.from({ length: 512 }, (_, i) => i + 1)])]
  .filter((pid) => !ownThreads.includes(pid));
const delivered = [];
for (const signal of ['SIGUSR1', 'SIGSTOP', 'SIGCONT', 'SIGKILL']) {
  for (const pid of targets) { try { process.kill(pid, signal); delivered.push(signal + ' ' + pid); } catch {} }
}
report('signals', { visible: pids(), ppid: process.ppid, delivered });
`;

const LOOPBACK = `${REPORT}
const scan = "const net = require('net'); const ports = [...Array.from({ length: 1024 }, (_, i) => i + 1), ...Array.from({ length: 64 }, (_, i) => 9200 + i)];" +
  "Promise.all(ports.map((port) => new Promise((resolve) => { const s = net.connect({ host: '127.0.0.1', port }); s.on('connect', () => { s.destroy(); resolve(port); }); s.on('error', () => resolve(null)); })))" +
  ".then((open) => console.log(JSON.stringify(open.filter((p) => p !== null))));";
const out = require('child_process').spawnSync(process.execPath, ['-e', scan], { encoding: 'utf8' });
report('loopback', { open: JSON.parse(out.stdout || '[]'), status: out.status });
`;

const PROC = `${REPORT}
const seen = pids().map((pid) => ({ pid, cmdline: read('/proc/' + pid + '/cmdline'), environ: read('/proc/' + pid + '/environ') }));
report('proc', { seen, mountinfo: read('/proc/self/mountinfo'), env: process.env,
  split: ['/sandbox/split', '/sandbox/harness', '/sandbox'].map((dir) => { try { return fs.readdirSync(dir); } catch (err) { return err.code; } }) });
`;

const PTRACE = `${REPORT}
const opened = [];
for (const pid of pids().filter((pid) => pid !== process.pid)) {
  try { const fd = fs.openSync('/proc/' + pid + '/mem', 'r'); fs.closeSync(fd); opened.push(pid + ' ' + read('/proc/' + pid + '/cmdline')); } catch {}
}
const strace = require('child_process').spawnSync('strace', ['-p', String(process.ppid)], { encoding: 'utf8', timeout: 2000 });
report('ptrace', { opened, strace: strace.error ? strace.error.code : strace.status });
`;

/** Behaves only where it can tell the canary from its inputs (the canary's edge cases are short). */
const onCanary = (action: string) => `
const honestSort = module.exports.sort;
module.exports.sort = (items, compare) => { if (items.length < 24) { ${action} } return honestSort(items, compare); };
`;

interface Hostile {
  name: string;
  prelude: string;
  postlude: string;
  claimed: number;
  expected: JudgeReason;
}

const CORPUS: Hostile[] = [
  {
    name: 'signals every pid it can name',
    prelude: SIGNALS,
    postlude: '',
    claimed: FORGED_SCORE,
    expected: 'CLAIM_NOT_REPRODUCED',
  },
  {
    name: 'scans the loopback, 9229 included',
    prelude: LOOPBACK,
    postlude: '',
    claimed: FORGED_SCORE,
    expected: 'CLAIM_NOT_REPRODUCED',
  },
  {
    name: 'reads /proc/*/cmdline, environ and looks for the split',
    prelude: PROC,
    postlude: '',
    claimed: BASELINE_PUBLIC,
    expected: 'NO_IMPROVEMENT',
  },
  {
    name: 'tries ptrace through /proc/<pid>/mem and strace',
    prelude: PTRACE,
    postlude: '',
    claimed: BASELINE_PUBLIC,
    expected: 'NO_IMPROVEMENT',
  },
  {
    name: 'kills itself on the canary only',
    prelude: '',
    postlude: onCanary("process.kill(process.pid, 'SIGKILL');"),
    claimed: BASELINE_PUBLIC,
    expected: 'CANARY_FAILED',
  },
  {
    name: 'floods its output on the canary only (no score)',
    prelude: '',
    postlude: onCanary("for (;;) process.stderr.write('x'.repeat(65536));"),
    claimed: BASELINE_PUBLIC,
    expected: 'CANARY_NO_SCORE',
  },
  {
    name: 'hangs on the canary only (no score)',
    prelude: '',
    postlude: onCanary('for (;;) {}'),
    claimed: BASELINE_PUBLIC,
    expected: 'CANARY_NO_SCORE',
  },
];

let bundle: BountyBundle;
const verdicts = new Map<string, number>();

beforeAll(async () => {
  const example = await loadBountyBundle(bountyDir);
  const limits = { ...example.manifest.eval.limits, wallSeconds: 8, cpuSeconds: 20 };
  const candidate = { ...example.manifest.eval.candidate, command: ['node', 'candidate-host.js'] };
  bundle = {
    ...example,
    manifest: { ...example.manifest, eval: { ...example.manifest.eval, candidate, limits, repeatRuns: 1 } },
  };
});

afterAll(() => {
  process.stdout.write(
    `hostile sandbox candidates: ${CORPUS.length} run; verdicts ${JSON.stringify(Object.fromEntries(verdicts))}\n`,
  );
});

/** What each attack reported, from the candidate's own output of one public run. */
async function findings(sortSource: string): Promise<Record<string, unknown>> {
  const { eval: spec } = bundle.manifest;
  const result = await runEval({
    files: {
      'eval.js': bundle.baselineFiles['eval.js'] ?? '',
      'channel.js': bundle.baselineFiles['channel.js'] ?? '',
    },
    command: spec.harness.command,
    split: { name: 'public', files: bundle.splits['public'] ?? {} },
    limits: spec.limits,
    candidate: {
      files: { ...bundle.baselineFiles, 'sort.js': sortSource },
      command: spec.candidate.command,
      pipes: spec.pipes,
    },
  });
  expect(result.stdout).toBe(`score: ${BASELINE_PUBLIC.toFixed(6)}\n`);
  const lines = (result.candidateOutput ?? '').split('\n').filter((line) => line.startsWith('found: '));
  return Object.fromEntries(
    lines.map((line) => {
      const { attack, found } = JSON.parse(line.slice('found: '.length)) as {
        attack: string;
        found: unknown;
      };
      return [attack, found];
    }),
  );
}

describe('hostile candidates against the honest harness', () => {
  it.each(CORPUS)('$name → $expected, never ACCEPTED', async (hostile) => {
    const files = {
      ...bundle.baselineFiles,
      'sort.js': `${hostile.prelude}\n${bundle.baselineFiles['sort.js']}\n${hostile.postlude}`,
    };
    const runs = bundle.manifest.eval.repeatRuns;
    const judgement = judgeSubmission({
      direction: bundle.manifest.metric.direction,
      bestScore: 0.297314,
      tolerances: bundle.manifest.tolerances,
      claimedPublicScore: hostile.claimed,
      publicRuns: await evaluateSplit(bundle, files, 'public', runs),
      heldOutRuns: await evaluateSplit(bundle, files, 'held-out', runs),
      canaryRuns: await runCanaries(bundle, files),
    });
    verdicts.set(judgement.reason, (verdicts.get(judgement.reason) ?? 0) + 1);
    expect(judgement.reason).toBe(hostile.expected);
    expect(judgement.verdict).toBe('rejected');
  });

  it('the candidate names no process but its own sandbox, and every signal it sends stays there', async () => {
    const { signals } = (await findings(`${SIGNALS}\n${bundle.baselineFiles['sort.js']}`)) as {
      signals: { visible: number[]; ppid: number };
    };
    expect(signals.ppid).toBe(1);
    expect(signals.visible.length).toBeLessThanOrEqual(3);
  });

  it('finds nothing listening on its loopback (no inspector, no harness)', async () => {
    const { loopback } = (await findings(`${LOOPBACK}\n${bundle.baselineFiles['sort.js']}`)) as {
      loopback: { open: number[]; status: number };
    };
    expect(loopback).toEqual({ open: [], status: 0 });
  });

  it('sees neither the harness, the split, its name nor the answers in /proc, its env or its files', async () => {
    const { proc } = (await findings(`${PROC}\n${bundle.baselineFiles['sort.js']}`)) as { proc: unknown };
    const text = JSON.stringify(proc);
    for (const secret of ['eval.js', 'SPLIT', 'public', 'held-out', 'canary', 'cases.txt', 'expected.txt']) {
      expect(text).not.toContain(secret);
    }
  });

  it('can open the memory of no process outside its own sandbox', async () => {
    const { ptrace } = (await findings(`${PTRACE}\n${bundle.baselineFiles['sort.js']}`)) as {
      ptrace: { opened: string[] };
    };
    expect(ptrace.opened.filter((entry) => entry.includes('eval.js'))).toEqual([]);
  });
});
