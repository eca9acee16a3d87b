import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from './errors';

export interface ProcessSpec {
  name: string;
  binary: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

interface PidRecord {
  pid: number;
  binary: string;
}

export function runDir(dataDir: string): string {
  return path.join(dataDir, 'run');
}

export function logPath(dataDir: string, name: string): string {
  return path.join(dataDir, 'logs', `${name}.log`);
}

function pidPath(dataDir: string, name: string): string {
  return path.join(runDir(dataDir), `${name}.pid`);
}

function readPidRecord(dataDir: string, name: string): PidRecord | null {
  const file = pidPath(dataDir, name);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    return null;
  }
}

/** True only when the pid is alive and still runs the binary we started (pids get reused). */
function isOurs(record: PidRecord): boolean {
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && cmdline.split('\0')[0] === record.binary;
  } catch {
    return false;
  }
}

export function runningPid(dataDir: string, name: string): number | null {
  const record = readPidRecord(dataDir, name);
  return record && isOurs(record) ? record.pid : null;
}

/** Starts a long-lived process in its own session, output appended to logs/<name>.log. */
export function startProcess(dataDir: string, spec: ProcessSpec): number {
  mkdirSync(runDir(dataDir), { recursive: true });
  mkdirSync(path.dirname(logPath(dataDir, spec.name)), { recursive: true });
  const log = openSync(logPath(dataDir, spec.name), 'a');
  try {
    const child = spawn(spec.binary, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined) {
      throw new StackError('PROCESS_START_FAILED', `could not start ${spec.name} (${spec.binary})`);
    }
    child.unref();
    writeFileSync(pidPath(dataDir, spec.name), JSON.stringify({ pid: child.pid, binary: spec.binary }));
    return child.pid;
  } finally {
    closeSync(log);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM, then SIGKILL to the whole process group after the grace period. */
export async function stopProcess(dataDir: string, name: string, graceMs = 15_000): Promise<boolean> {
  const record = readPidRecord(dataDir, name);
  if (!record) return false;
  const wasRunning = isOurs(record);
  if (wasRunning) {
    process.kill(record.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isOurs(record) && Date.now() < deadline) await sleep(100);
    if (isOurs(record)) {
      try {
        process.kill(-record.pid, 'SIGKILL');
      } catch {
        process.kill(record.pid, 'SIGKILL');
      }
      while (isOurs(record)) await sleep(50);
    }
  }
  rmSync(pidPath(dataDir, name), { force: true });
  return wasRunning;
}

export function tailLog(dataDir: string, name: string, lines = 20): string {
  const file = logPath(dataDir, name);
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Polls `probe` until it returns a value; the error names the process and quotes its log. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  options: { timeoutMs: number; intervalMs?: number; dataDir?: string; logName?: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(options.intervalMs ?? 250);
  }
  const log =
    options.dataDir && options.logName
      ? `\n--- ${options.logName} log ---\n${tailLog(options.dataDir, options.logName)}`
      : '';
  const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new StackError(
    'STACK_TIMEOUT',
    `timed out after ${options.timeoutMs} ms waiting for ${what}${cause}${log}`,
  );
}
