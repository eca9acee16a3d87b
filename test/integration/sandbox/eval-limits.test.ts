import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadBountyBundle } from '../../../activities/sandbox/bounty-manifest';
import { evalCgroupPrefix, probeCgroups } from '../../../activities/sandbox/cgroups';
import { toEvalOutcome } from '../../../domain/bounty/eval-outcome';
import { evaluateSplit } from '../../../activities/sandbox/evaluate';
import { LIMITS_MODES } from '../../../domain/bounty';
import { chooseLimitsMode } from '../../../activities/sandbox/limits-mode';
import type { CgroupFacts } from '../../../activities/sandbox/limits-mode';
import { runEval } from '../../../activities/sandbox/run-eval';
import type { EvalCandidate, RunEvalRequest, SandboxOptions } from '../../../activities/sandbox/run-eval';
import type { EvalLimits } from '../../../activities/sandbox/sandbox-command';

// Limits per eval: the harness's and the candidate's sandboxes of one run share one memory and CPU cgroup, so
// what counts is the eval's total; each sandbox counts its own processes. These run on the host's real cgroups (v1 here and in CI) and real bubblewrap.
const LIMITS: EvalLimits = {
  wallSeconds: 20,
  cpuSeconds: 10,
  memoryMb: 256,
  maxProcesses: 96,
  maxOutputBytes: 64 * 1024,
};
// Unique to this run: another run of this file on the same host has processes of its own.
const MARKER = `eval-limits-hog-${randomBytes(4).toString('hex')}.js`;

/** Waits for the candidate to close its end of fd 3, then scores 1: the harness itself is harmless. */
const HARNESS = `
const fs = require('fs');
const buffer = Buffer.alloc(64);
const wait = () => fs.read(3, buffer, 0, 64, null, (err, n) => (err || n === 0 ? console.log('score: 1') : wait()));
wait();
`;

/**
 * Waits for the candidate to close fd 3, then needs a process of its own (a command substitution forks) before
 * it scores: a sponsor's harness may well run a tool. A shell, since a Node harness may not spawn at all.
 */
const FORKING_HARNESS = {
  files: {
    'harness.sh':
      'cat <&3 >/dev/null\ns=$(echo 1) && echo "score: $s" || echo "the harness cannot fork" >&2\n',
  },
  command: ['sh', 'harness.sh'],
};

/** Four children each touching 180 MB, held for two seconds: 720 MB in all, under memoryMb 256 each. */
const FOUR_HOGS = `
const { spawn } = require('child_process');
if (process.argv[2] === 'hog') {
  const held = Buffer.alloc(180 * 1024 * 1024, 1);
  setTimeout(() => process.exit(held.length > 0 ? 0 : 1), 2000);
} else {
  let exited = 0;
  for (let i = 0; i < 4; i += 1) {
    spawn(process.execPath, [__filename, 'hog'], { stdio: 'inherit' }).on('exit', (code, signal) => {
      process.stderr.write('hog ' + code + ' ' + signal + '\\n');
      if (++exited === 4) process.exit(0);
    });
  }
}
`;

/** The bomb's processes do not hold fd 3: the candidate closes it after a second, and the harness then scores. */
const SHELL_BOMB = `bomb() { bomb | bomb & }; (exec 3>&-; bomb); sleep 1; echo ${MARKER}; exec 3>&-; sleep 1`;

/** Takes every pid it can and holds it (sleepers, no churn), then closes fd 3 for the harness to go on. */
const PID_HOLDER = `(exec 3>&-; i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done; wait) & sleep 1; echo ${MARKER}; exec 3>&-; sleep 5`;

function evalWith(
  candidate: EvalCandidate,
  limits: Partial<EvalLimits> = {},
  options: SandboxOptions = {},
  harness: Pick<RunEvalRequest, 'files' | 'command'> = {
    files: { 'harness.js': HARNESS },
    command: ['node', 'harness.js'],
  },
) {
  return runEval(
    {
      ...harness,
      split: { name: 'public', files: { 'cases.txt': '1 2 3\n' } },
      limits: { ...LIMITS, ...limits },
      candidate,
    },
    options,
  );
}

const hogs: EvalCandidate = {
  files: { [MARKER]: FOUR_HOGS },
  command: ['node', MARKER],
  pipes: [{ from: 'candidate', fromFd: 3, toFd: 3 }],
};

/** Live host processes of these tests (their command lines carry the marker). */
function leftovers(): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        return commandLine.includes(MARKER) && state !== 'Z' ? [`${pid} ${commandLine}`] : [];
      } catch {
        return [];
      }
    });
}

/** This process's eval cgroups under its own cgroups: each is removed when its run ends. */
function evalCgroups(facts: CgroupFacts): string[] {
  const parents = [facts.v2?.dir, facts.v1?.memory, facts.v1?.pids, facts.v1?.cpu];
  return parents.flatMap((dir) => {
    if (!dir) return [];
    return readdirSync(dir).filter((entry) => entry.startsWith(evalCgroupPrefix()));
  });
}

let facts: CgroupFacts;
let cgroupMode: 'cgroup-v2' | 'cgroup-v1';

beforeAll(async () => {
  facts = await probeCgroups();
  const choice = chooseLimitsMode('auto', facts);
  // These tests are about the cgroup modes: a host without them must say so, not pass vacuously.
  if (!choice.ok || choice.mode === 'process') throw new Error('this host offers no cgroup for evals');
  cgroupMode = choice.mode;
});

afterEach(async () => {
  for (let waited = 0; waited < 3000 && leftovers().length > 0; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(leftovers()).toEqual([]);
  expect(evalCgroups(facts)).toEqual([]);
});

describe('an eval limited by its cgroup', () => {
  it('is killed at the eval’s memory limit when four candidate processes hold 180 MB each', async () => {
    const result = await evalWith(hogs);
    expect(result.limitsMode).toBe(cgroupMode);
    expect(result.cgroupEvents?.oomKills).toBeGreaterThan(0);
    expect(result.killedBy).toBe('memory');
    expect(toEvalOutcome(result, 'score')).toEqual({
      kind: 'error',
      code: 'EVAL_RESOURCE_LIMIT',
      detail: 'killed by the memory limit',
      limits: cgroupMode,
    });
  });

  it('scores the same eval under per-process limits (each hog fits its own RLIMIT_DATA)', async () => {
    const result = await evalWith(hogs, { accounting: 'per-process' }, { limits: 'process' });
    expect(result.candidateOutput).toContain('hog 0 null');
    expect(result.limitsMode).toBe('process');
    expect(result.cgroupEvents).toBeUndefined();
    expect(toEvalOutcome(result, 'score')).toEqual({ kind: 'score', score: 1, limits: 'process' });
  });

  it('stops a candidate’s fork bomb at the eval’s pids.max, and the run still ends with its score', async () => {
    const bomb: EvalCandidate = {
      files: { 'bomb.txt': '' },
      command: ['sh', '-c', SHELL_BOMB],
      pipes: [{ from: 'candidate', fromFd: 3, toFd: 3 }],
    };
    const result = await evalWith(bomb, { maxProcesses: 48 });
    expect(result.cgroupEvents?.forksRefused).toBeGreaterThan(0);
    expect(result.killedBy).toBeUndefined();
    expect(result.wallMs).toBeLessThan(LIMITS.wallSeconds * 1000);
    expect(toEvalOutcome(result, 'score')).toEqual({ kind: 'score', score: 1, limits: cgroupMode });
  });

  it('keeps the harness’s processes apart: a candidate holding every pid it can get cannot stop the harness forking', async () => {
    const holder: EvalCandidate = {
      files: { 'holder.txt': '' },
      command: ['sh', '-c', PID_HOLDER],
      pipes: [{ from: 'candidate', fromFd: 3, toFd: 3 }],
    };
    const result = await evalWith(holder, { maxProcesses: 48 }, {}, FORKING_HARNESS);
    expect(result.stderr).not.toContain('cannot fork');
    expect(result.cgroupEvents?.forksRefused).toBeGreaterThan(0);
    expect(toEvalOutcome(result, 'score')).toEqual({ kind: 'score', score: 1, limits: cgroupMode });
  });
});

describe('a host that can only limit processes', () => {
  it('refuses a per-eval bundle (L402_SANDBOX_LIMITS=process) before anything runs', async () => {
    process.env.L402_SANDBOX_LIMITS = 'process';
    try {
      await expect(evalWith(hogs, { accounting: 'per-eval' })).rejects.toMatchObject({
        code: 'SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE',
      });
      // The default accounting is per eval.
      await expect(evalWith(hogs)).rejects.toMatchObject({ code: 'SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE' });
    } finally {
      delete process.env.L402_SANDBOX_LIMITS;
    }
  });

  it('fails closed when a forced mode is not offered here', async () => {
    const missing = LIMITS_MODES.find((mode) => !chooseLimitsMode(mode, facts).ok);
    if (!missing) return; // every mode is offered on this host
    await expect(evalWith(hogs, {}, { limits: missing })).rejects.toMatchObject({
      code: 'SANDBOX_LIMITS_UNAVAILABLE',
    });
  });
});

describe('the eval record', () => {
  it('says which limits mode every run of the example bounty ran in', async () => {
    const bundle = await loadBountyBundle(join(__dirname, '../../../bounties/example-sort'));
    expect(bundle.manifest.eval.limits.accounting).toBe('per-eval');
    const outcomes = await evaluateSplit(bundle, bundle.baselineFiles, 'public', 1);
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'score', limits: cgroupMode })]);
  });
});
