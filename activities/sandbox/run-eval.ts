import { spawn } from 'node:child_process';
import { constants as osConstants, tmpdir } from 'node:os';

import { removeBundleDir, writeBundleDir } from './bundle-dir';
import type { BundleOwner } from './bundle-dir';
import { SandboxError } from './errors';
import { describeSystemMounts, findTool, resolveCommand } from './host-tools';
import { READY, buildSandboxArgv } from './sandbox-command';
import type { EvalLimits } from './sandbox-command';

export interface EvalSplit {
  /** e.g. "public", "held-out", "canary"; the eval sees it as $SPLIT_NAME. */
  name: string;
  /** The split's data, mounted read-only at $SPLIT_DIR for this run only. */
  files: Record<string, string>;
}

export interface RunEvalRequest {
  /** The candidate bundle (baseline with the diff applied), mounted read-only as the working directory. */
  files: Record<string, string>;
  /** argv, no shell; a leading "node" is the Node binary running this process. */
  command: string[];
  split: EvalSplit;
  limits: EvalLimits;
}

export interface EvalProgress {
  split: string;
  elapsedMs: number;
  outputBytes: number;
}

export interface SandboxOptions {
  /** Called about every `heartbeatIntervalMs` while the eval runs (a Temporal activity passes `heartbeat`). */
  heartbeat?: (progress: EvalProgress) => void;
  heartbeatIntervalMs?: number;
  /** The unprivileged uid/gid the sandbox runs as when this process is root. Default 65534 (nobody). */
  sandboxUser?: BundleOwner;
  /** Where the candidate and split directories are written for the run. Default: the OS temp dir. */
  tempRoot?: string;
  /** Override the bwrap binary (tests point it at a missing path to prove the eval fails closed). */
  bwrapPath?: string;
}

export type KillReason = 'wall-clock' | 'cpu-time' | 'output-limit' | 'memory' | 'signal';

export interface EvalResult {
  /** The eval's exit status; 128 + n when a signal n ended it; null if the parent killed the sandbox. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Ran out of wall-clock or CPU time. */
  timedOut: boolean;
  killedBy?: KillReason;
  wallMs: number;
}

const READY_FD = 3;
const NOBODY: BundleOwner = { uid: 65534, gid: 65534 };
const SIGXCPU_EXIT = 128 + osConstants.signals.SIGXCPU;
const OUT_OF_MEMORY = /out of memory|allocation failed|cannot allocate memory|ENOMEM/i;

function classifyExit(exitCode: number | null, stderr: string): KillReason | undefined {
  if (exitCode === SIGXCPU_EXIT) return 'cpu-time';
  if (exitCode !== 0 && OUT_OF_MEMORY.test(stderr)) return 'memory';
  if (exitCode !== null && exitCode > 128) return 'signal';
  return undefined;
}

/** Collects a stream up to a shared byte budget. */
class OutputBudget {
  private used = 0;
  readonly chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  constructor(private readonly limit: number) {}

  get bytes(): number {
    return this.used;
  }
  /** Keeps what fits; false once the budget is exceeded. */
  take(stream: 'stdout' | 'stderr', chunk: Buffer): boolean {
    const room = this.limit - this.used;
    this.chunks[stream].push(chunk.subarray(0, Math.max(0, room)));
    this.used += chunk.length;
    return this.used <= this.limit;
  }
  text(stream: 'stdout' | 'stderr'): string {
    return Buffer.concat(this.chunks[stream]).toString('utf8');
  }
}

interface RawRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  sandboxStarted: boolean;
  parentKill?: 'wall-clock' | 'output-limit';
  wallMs: number;
}

function spawnSandbox(argv: string[], request: RunEvalRequest, options: SandboxOptions): Promise<RawRun> {
  const [program, ...args] = argv as [string, ...string[]];
  const started = Date.now();
  const output = new OutputBudget(request.limits.maxOutputBytes);
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      detached: true,
      env: { PATH: '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let ready = '';
    let parentKill: RawRun['parentKill'];
    const killSandbox = (reason: NonNullable<RawRun['parentKill']>) => {
      parentKill ??= reason;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The process group is already gone.
        }
      }
    };
    const wallTimer = setTimeout(() => killSandbox('wall-clock'), request.limits.wallSeconds * 1000);
    const heartbeatTimer = setInterval(
      () =>
        options.heartbeat?.({
          split: request.split.name,
          elapsedMs: Date.now() - started,
          outputBytes: output.bytes,
        }),
      options.heartbeatIntervalMs ?? 1000,
    );
    const onOutput = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (!output.take(stream, chunk)) killSandbox('output-limit');
    };
    child.stdout?.on('data', onOutput('stdout'));
    child.stderr?.on('data', onOutput('stderr'));
    child.stdio[READY_FD]?.on('data', (chunk: Buffer) => (ready += chunk.toString('utf8')));
    const finish = () => {
      clearTimeout(wallTimer);
      clearInterval(heartbeatTimer);
    };
    child.on('error', (err) => {
      finish();
      reject(new SandboxError('SANDBOX_UNAVAILABLE', `cannot start the sandbox: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      finish();
      resolve({
        exitCode: code ?? (signal ? 128 + osConstants.signals[signal] : null),
        stdout: output.text('stdout'),
        stderr: output.text('stderr'),
        sandboxStarted: ready === READY,
        parentKill,
        wallMs: Date.now() - started,
      });
    });
  });
}

/**
 * Runs an eval command on one split inside a bubblewrap sandbox (see `buildSandboxArgv` for what it
 * isolates) and reports how it ended. Fails closed: if bubblewrap, prlimit (or setpriv, as root) is
 * missing or the sandbox cannot be set up, it throws SANDBOX_UNAVAILABLE and runs nothing.
 */
export async function runEval(request: RunEvalRequest, options: SandboxOptions = {}): Promise<EvalResult> {
  const asRoot = process.getuid?.() === 0;
  const user = options.sandboxUser ?? NOBODY;
  const [bwrapPath, prlimitPath, shellPath, setprivPath] = await Promise.all([
    findTool('bwrap', options.bwrapPath),
    findTool('prlimit'),
    findTool('sh'),
    asRoot ? findTool('setpriv') : Promise.resolve(undefined),
  ]);
  const owner = asRoot ? user : undefined;
  const tempRoot = options.tempRoot ?? tmpdir();
  const workHostDir = await writeBundleDir(tempRoot, 'work', request.files, owner);
  try {
    const splitHostDir = await writeBundleDir(tempRoot, 'split', request.split.files, owner);
    try {
      const argv = buildSandboxArgv({
        bwrapPath,
        prlimitPath,
        shellPath,
        dropToUser: setprivPath ? { setprivPath, ...user } : undefined,
        systemMounts: await describeSystemMounts(),
        workHostDir,
        splitHostDir,
        splitName: request.split.name,
        command: await resolveCommand(request.command),
        limits: request.limits,
        readyFd: READY_FD,
      });
      const run = await spawnSandbox(argv, request, options);
      if (!run.sandboxStarted && run.parentKill === undefined) {
        throw new SandboxError(
          'SANDBOX_UNAVAILABLE',
          `the sandbox could not be created: ${run.stderr.trim()}`,
        );
      }
      const killedBy = run.parentKill ?? classifyExit(run.exitCode, run.stderr);
      return {
        exitCode: run.exitCode,
        stdout: run.stdout,
        stderr: run.stderr,
        timedOut: killedBy === 'wall-clock' || killedBy === 'cpu-time',
        ...(killedBy ? { killedBy } : {}),
        wallMs: run.wallMs,
      };
    } finally {
      await removeBundleDir(splitHostDir);
    }
  } finally {
    await removeBundleDir(workHostDir);
  }
}
