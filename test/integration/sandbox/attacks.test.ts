import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runEval } from '../../../activities/sandbox/run-eval';
import type { EvalResult, SandboxOptions } from '../../../activities/sandbox/run-eval';
import type { EvalLimits } from '../../../activities/sandbox/sandbox-command';

const LIMITS: EvalLimits = {
  wallSeconds: 10,
  cpuSeconds: 2,
  memoryMb: 256,
  maxProcesses: 32,
  maxOutputBytes: 64 * 1024,
};
const isRoot = process.getuid?.() === 0;

/** Every attack's processes carry one of these in their command line, so leftovers can be found on the host. */
const ATTACK_SCRIPT = 'attack.js';
const SLEEP_SECONDS = '86400.417';
const SHELL_BOMB = 'bomb() { bomb | bomb & }; bomb; sleep 1; echo survived';

/** Runs a one-file Node eval in the sandbox. */
function runScript(
  source: string,
  limits: Partial<EvalLimits> = {},
  options: SandboxOptions = {},
): Promise<EvalResult> {
  return runEval(
    {
      files: { [ATTACK_SCRIPT]: source },
      command: ['node', ATTACK_SCRIPT],
      split: { name: 'public', files: { 'cases.txt': '1 2 3\n' } },
      limits: { ...LIMITS, ...limits },
    },
    options,
  );
}

/** Live (not zombie) host processes started by these attacks. */
function attackProcesses(): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        const ours = [ATTACK_SCRIPT, SLEEP_SECONDS, SHELL_BOMB].some((marker) =>
          commandLine.includes(marker),
        );
        return ours && state !== 'Z' ? [`${pid} ${commandLine}`] : [];
      } catch {
        return [];
      }
    });
}

/** The sandbox's processes are gone within a moment of runEval returning (the kernel tears the namespace down). */
async function attackProcessesAfterTeardown(): Promise<string[]> {
  for (let waited = 0; waited < 3000 && attackProcesses().length > 0; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return attackProcesses();
}

afterEach(async () => {
  // The host is fine after every attack: it still forks, and nothing the sandbox started outlives it.
  expect(spawnSync('true').status).toBe(0);
  expect(await attackProcessesAfterTeardown()).toEqual([]);
});

describe('the sandbox runs an honest eval', () => {
  it('with a clean environment, its own uid, the split read-only at $SPLIT_DIR and a writable /tmp', async () => {
    process.env.L402_TEST_SECRET = 'must-not-leak';
    try {
      const result = await runScript(`
        const fs = require('fs');
        fs.writeFileSync('/tmp/scratch.txt', 'ok');
        console.log(JSON.stringify({
          env: process.env,
          uid: process.getuid(),
          split: fs.readFileSync(process.env.SPLIT_DIR + '/cases.txt', 'utf8'),
          scratch: fs.readFileSync('/tmp/scratch.txt', 'utf8'),
          root: fs.readdirSync('/').sort(),
        }));
      `);
      expect(result).toMatchObject({ exitCode: 0, timedOut: false, stderr: '' });
      const seen = JSON.parse(result.stdout) as { env: Record<string, string>; uid: number; root: string[] };
      expect(seen).toMatchObject({ split: '1 2 3\n', scratch: 'ok' });
      expect(Object.keys(seen.env).sort()).toEqual([
        'HOME',
        'LANG',
        'PATH',
        'PWD',
        'SPLIT_DIR',
        'SPLIT_NAME',
        'TMPDIR',
      ]);
      expect(seen.env.SPLIT_NAME).toBe('public');
      expect(seen.uid).not.toBe(0);
      expect(seen.root).not.toContain('etc');
      expect(seen.root).not.toContain('root');
    } finally {
      delete process.env.L402_TEST_SECRET;
    }
  });

  it('heartbeats while it runs', async () => {
    const beats: string[] = [];
    const result = await runScript(
      'setTimeout(() => console.log("score: 1"), 800);',
      {},
      {
        heartbeat: (progress) => beats.push(progress.split),
        heartbeatIntervalMs: 100,
      },
    );
    expect(result.exitCode).toBe(0);
    expect(beats.length).toBeGreaterThanOrEqual(4);
    expect(new Set(beats)).toEqual(new Set(['public']));
  });
});

describe('the sandbox contains hostile evals', () => {
  let server: Server;
  let hostConnections = 0;

  beforeAll(async () => {
    server = createServer((socket) => {
      hostConnections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('has no network: the internet, DNS and the host loopback are unreachable', async () => {
    const { port } = server.address() as AddressInfo;
    const result = await runScript(`
      const net = require('net');
      const attempt = (host, port) => new Promise((resolve) => {
        const socket = net.connect({ host, port, timeout: 2000 });
        socket.on('connect', () => { socket.destroy(); resolve('CONNECTED'); });
        socket.on('timeout', () => { socket.destroy(); resolve('TIMEOUT'); });
        socket.on('error', (err) => resolve(err.code));
      });
      const lookup = new Promise((resolve) => require('dns').lookup('example.com', (err) => resolve(err ? err.code : 'RESOLVED')));
      Promise.all([attempt('1.1.1.1', 443), attempt('127.0.0.1', ${port}), lookup])
        .then((codes) => console.log(JSON.stringify(codes)));
    `);
    const [internet, loopback, dns] = JSON.parse(result.stdout) as string[];
    expect(internet).toBe('ENETUNREACH');
    expect(loopback).toBe('ECONNREFUSED');
    expect(dns).not.toBe('RESOLVED');
    expect(hostConnections).toBe(0);
  });

  it('cannot write outside its scratch dir, and the scratch dir is size-capped', async () => {
    const marker = `l402-sandbox-escape-${process.pid}`;
    const result = await runScript(`
      const fs = require('fs');
      const targets = ['/sandbox/candidate/${ATTACK_SCRIPT}', '/sandbox/candidate/new.js', process.env.SPLIT_DIR + '/cases.txt',
        '/usr/${marker}', '/${marker}', '/dev/${marker}', '/dev/shm/${marker}', '/proc/sys/kernel/hostname'];
      const codes = targets.map((path) => { try { fs.writeFileSync(path, 'x'); return 'WROTE ' + path; } catch (err) { return err.code; } });
      let big;
      try { fs.writeFileSync('/tmp/big', Buffer.alloc(32 * 1024 * 1024)); big = 'WROTE'; } catch (err) { big = err.code; }
      fs.writeFileSync('/dev/null', 'devices still work');
      console.log(JSON.stringify({ codes, big }));
    `);
    const { codes, big } = JSON.parse(result.stdout) as { codes: string[]; big: string };
    expect(codes.filter((code) => code.startsWith('WROTE'))).toEqual([]);
    expect(big).toMatch(/^(EFBIG|ENOSPC)$/);
    expect(existsSync(`/usr/${marker}`)).toBe(false);
    expect(existsSync(`/${marker}`)).toBe(false);
  });

  it('stops a Node fork bomb at the process limit', async () => {
    const result = await runScript(`
      const { spawn } = require('child_process');
      let started = 0;
      (function fork() {
        const child = spawn('/usr/bin/sleep', ['${SLEEP_SECONDS}']);
        child.on('spawn', () => { started += 1; fork(); });
        child.on('error', (err) => { console.log(err.code, started); process.exit(3); });
      })();
    `);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(/^EAGAIN \d+\n$/);
    expect(Number(result.stdout.split(' ')[1])).toBeLessThan(LIMITS.maxProcesses);
    expect(result.wallMs).toBeLessThan(5000);
  });

  it('keeps a fork bomb from starving a concurrent eval (each sandbox counts its own processes)', async () => {
    const bomb = runScript(`
      const { spawn } = require('child_process');
      (function fork() {
        const child = spawn('/usr/bin/sleep', ['${SLEEP_SECONDS}']);
        child.on('spawn', fork);
        child.on('error', () => setTimeout(() => process.exit(3), 1500));
      })();
    `);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const neighbour = await runScript(`
      const { spawnSync } = require('child_process');
      const statuses = Array.from({ length: 8 }, () => spawnSync('/usr/bin/true').status);
      console.log(statuses.every((status) => status === 0) ? 'score: 1' : 'score: 0');
    `);
    expect(neighbour).toMatchObject({ exitCode: 0, stdout: 'score: 1\n' });
    expect(await bomb).toMatchObject({ exitCode: 3 });
  });

  it('stops a shell fork bomb at the process limit', async () => {
    const result = await runEval({
      files: {},
      command: ['/bin/sh', '-c', SHELL_BOMB],
      split: { name: 'public', files: {} },
      limits: LIMITS,
    });
    expect(result.stdout).toBe('survived\n');
    expect(result.stderr).toMatch(/fork/i);
    expect(result.wallMs).toBeLessThan(5000);
  });

  it('kills a busy loop at the CPU limit and reports it as timed out', async () => {
    const result = await runScript('while (true) {}');
    expect(result).toMatchObject({ timedOut: true, killedBy: 'cpu-time' });
    expect(result.wallMs).toBeGreaterThanOrEqual(LIMITS.cpuSeconds * 1000);
    expect(result.wallMs).toBeLessThan(LIMITS.wallSeconds * 1000);
  });

  it('kills an eval that idles past the wall clock, with everything it started', async () => {
    const result = await runScript(
      `require('child_process').spawn('/usr/bin/sleep', ['${SLEEP_SECONDS}'], { detached: true }); setInterval(() => {}, 1000);`,
      { wallSeconds: 1.5 },
    );
    expect(result).toMatchObject({ timedOut: true, killedBy: 'wall-clock' });
    expect(result.wallMs).toBeGreaterThanOrEqual(1500);
    expect(result.wallMs).toBeLessThan(4000);
  });

  it('stops a memory hog at the memory limit', async () => {
    const result = await runScript('const hoard = []; for (;;) hoard.push(Buffer.alloc(16 << 20, 1));');
    expect(result.exitCode).not.toBe(0);
    expect(result).toMatchObject({ timedOut: false, killedBy: 'memory' });
  });

  it('kills an eval that floods its output, keeping only the allowed bytes', async () => {
    const result = await runScript(`for (;;) process.stdout.write('x'.repeat(65536));`);
    expect(result).toMatchObject({ killedBy: 'output-limit', timedOut: false });
    expect(result.stdout.length + result.stderr.length).toBeLessThanOrEqual(LIMITS.maxOutputBytes);
  });
});

describe('the sandbox fails closed', () => {
  it('throws SANDBOX_UNAVAILABLE when bubblewrap is missing, and runs nothing', async () => {
    await expect(
      runScript('console.log("ran")', {}, { bwrapPath: '/nonexistent/bwrap' }),
    ).rejects.toMatchObject({
      code: 'SANDBOX_UNAVAILABLE',
    });
  });

  (isRoot ? it : it.skip)('throws SANDBOX_UNAVAILABLE when the sandbox cannot be set up', async () => {
    const unreachable = mkdtempSync(join(tmpdir(), 'l402-unreachable-'));
    try {
      // The sandbox uid cannot enter this directory, so bwrap cannot bind the candidate from it.
      await expect(runScript('console.log("ran")', {}, { tempRoot: unreachable })).rejects.toMatchObject({
        code: 'SANDBOX_UNAVAILABLE',
      });
    } finally {
      rmSync(unreachable, { recursive: true, force: true });
    }
  });
});
