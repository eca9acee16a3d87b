import { spawn } from 'node:child_process';
import type { StdioNull, StdioPipe } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { constants as osConstants, tmpdir } from 'node:os';

import { removeBundleDir, writeBundleDir } from './bundle-dir';
import type { BundleOwner } from './bundle-dir';
import { createEvalCgroup, probeCgroups } from './cgroups';
import type { CgroupEvents, EvalCgroup, EvalRole } from './cgroups';
import { SandboxError } from '../../domain/bounty/errors';
import { describeSystemMounts, findTool, resolveCommand } from './host-tools';
import { assertAccountingFits, chooseLimitsMode, limitsSettingFrom } from './limits-mode';
import type { LimitsMode } from '../../domain/bounty/eval-outcome';
import type { CgroupFacts, LimitsSetting } from './limits-mode';
import { closePipes, fdsFor, openPipes } from './pipes';
import type { EvalPipe, OpenPipe } from './pipes';
import { READY, SANDBOX_PATHS, buildSandboxArgv } from './sandbox-command';
import type { EvalLimits, SandboxCommandInput } from './sandbox-command';

export interface EvalSplit {
  /** e.g. "public", "held-out", "canary"; the eval sees it as $SPLIT_NAME. */
  name: string;
  /** The split's data, mounted read-only at $SPLIT_DIR for this run only. */
  files: Record<string, string>;
}

/** The candidate's own sandbox, joined to the harness's only by the declared pipes. */
export interface EvalCandidate {
  /** The candidate's files (its part of the bundle with the diff applied), read-only as its working directory. */
  files: Record<string, string>;
  /** argv, no shell; a leading "node" is the Node binary running this process. */
  command: string[];
  pipes: EvalPipe[];
}

export interface RunEvalRequest {
  /** The harness's files (or a lone eval's), mounted read-only as the working directory. */
  files: Record<string, string>;
  /** argv, no shell; a leading "node" is the Node binary running this process. */
  command: string[];
  split: EvalSplit;
  limits: EvalLimits;
  /** Without one, the command runs alone in one sandbox (it then is both harness and candidate). */
  candidate?: EvalCandidate;
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
  /** The unprivileged uid/gid the harness runs as when this process is root. Default 65534 (nobody). */
  sandboxUser?: BundleOwner;
  /** The uid/gid the candidate runs as when this process is root; never the harness's. Default 65533. */
  candidateUser?: BundleOwner;
  /** Where the candidate and split directories are written for the run. Default: the OS temp dir. */
  tempRoot?: string;
  /** Override the bwrap binary (tests point it at a missing path to prove the eval fails closed). */
  bwrapPath?: string;
  /** How limits are enforced; default `L402_SANDBOX_LIMITS`, else `auto`. */
  limits?: LimitsSetting;
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
  /** What the candidate wrote on its stdout (unless a pipe) and stderr: never part of the eval's output. */
  candidateOutput?: string;
  /** How the limits were enforced: by the eval's cgroup, or per process only. */
  limitsMode: LimitsMode;
  /** What the eval's cgroup counted (absent in `process` mode). */
  cgroupEvents?: CgroupEvents;
}

/** Each sandbox reports readiness on this inherited fd; the bundle's pipes use fds 0, 1 and 3 to 8. */
const READY_FD = 9;
const NOBODY: BundleOwner = { uid: 65534, gid: 65534 };
const CANDIDATE: BundleOwner = { uid: 65533, gid: 65533 };
const SIGXCPU_EXIT = 128 + osConstants.signals.SIGXCPU;
const OUT_OF_MEMORY = /out of memory|allocation failed|cannot allocate memory|ENOMEM/i;
/** Node flags for a harness that shares an eval with a candidate: no inspector (SIGUSR1), no processes, no workers. */
const HARNESS_NODE_FLAGS = [
  '--experimental-permission',
  '--allow-fs-read=*',
  `--allow-fs-write=${SANDBOX_PATHS.scratch}/*`,
  '--no-warnings',
];

function classifyExit(exitCode: number | null, stderr: string): KillReason | undefined {
  if (exitCode === SIGXCPU_EXIT) return 'cpu-time';
  if (exitCode !== 0 && OUT_OF_MEMORY.test(stderr)) return 'memory';
  if (exitCode !== null && exitCode > 128) return 'signal';
  return undefined;
}

type Stream = 'stdout' | 'stderr' | 'candidate';

/** Collects the eval's streams up to one shared byte budget. */
class OutputBudget {
  private used = 0;
  readonly chunks: Record<Stream, Buffer[]> = { stdout: [], stderr: [], candidate: [] };
  constructor(private readonly limit: number) {}

  get bytes(): number {
    return this.used;
  }
  /** Keeps what fits; false once the budget is exceeded. */
  take(stream: Stream, chunk: Buffer): boolean {
    const room = this.limit - this.used;
    this.chunks[stream].push(chunk.subarray(0, Math.max(0, room)));
    this.used += chunk.length;
    return this.used <= this.limit;
  }
  text(stream: Stream): string {
    return Buffer.concat(this.chunks[stream]).toString('utf8');
  }
}

type ParentKill = 'wall-clock' | 'output-limit' | 'memory';
/** How often the eval's cgroup is read for an OOM kill (then the whole eval is killed). */
const CGROUP_POLL_MS = 100;

/** One started sandbox: its readiness, its end, and a kill for its whole process tree. */
interface Sandbox {
  ready: Promise<boolean>;
  closed: Promise<number | null>;
  kill(): void;
}

/**
 * Starts one sandbox. `fds` maps an fd inside to an fd of this process; stdout and stderr (unless mapped) go
 * to the budget as `streams`. bwrap's --die-with-parent and pid namespace take everything inside with it.
 */
function startSandbox(
  argv: string[],
  fds: Map<number, number>,
  streams: { stdout: Stream; stderr: Stream },
  onOutput: (stream: Stream, chunk: Buffer) => void,
): Sandbox {
  const [program, ...args] = argv as [string, ...string[]];
  const stdio: (number | StdioNull | StdioPipe)[] = ['ignore', 'pipe', 'pipe'];
  for (let fd = 3; fd < READY_FD; fd += 1) stdio.push('ignore');
  stdio.push('pipe');
  for (const [inside, outside] of fds) stdio[inside] = outside;
  const child = spawn(program, args, { detached: true, env: { PATH: '/usr/bin:/bin' }, stdio });
  child.stdout?.on('data', (chunk: Buffer) => onOutput(streams.stdout, chunk));
  child.stderr?.on('data', (chunk: Buffer) => onOutput(streams.stderr, chunk));
  let readyText = '';
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', (err) =>
      reject(new SandboxError('SANDBOX_UNAVAILABLE', `cannot start the sandbox: ${err.message}`)),
    );
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + osConstants.signals[signal] : null)));
  });
  const ready = new Promise<boolean>((resolve) => {
    (child.stdio as readonly (Readable | Writable | null | undefined)[])[READY_FD]?.on(
      'data',
      (chunk: Buffer) => {
        readyText += chunk.toString('utf8');
        if (readyText === READY) resolve(true);
      },
    );
    closed.then(
      () => resolve(readyText === READY),
      () => resolve(false),
    );
  });
  return {
    ready,
    closed,
    kill: () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The process group is already gone.
      }
    },
  };
}

interface HostTools {
  bwrapPath: string;
  prlimitPath: string;
  shellPath: string;
  mkfifoPath: string;
  setprivPath?: string;
}

async function findHostTools(options: SandboxOptions, asRoot: boolean): Promise<HostTools> {
  const [bwrapPath, prlimitPath, shellPath, mkfifoPath, setprivPath] = await Promise.all([
    findTool('bwrap', options.bwrapPath),
    findTool('prlimit'),
    findTool('sh'),
    findTool('mkfifo'),
    asRoot ? findTool('setpriv') : Promise.resolve(undefined),
  ]);
  return { bwrapPath, prlimitPath, shellPath, mkfifoPath, ...(setprivPath ? { setprivPath } : {}) };
}

/** The harness's command; a `node` harness beside a candidate runs with the inspector and processes disabled. */
async function harnessCommand(command: string[], withCandidate: boolean): Promise<string[]> {
  const [program, ...args] = await resolveCommand(command);
  return withCandidate && command[0] === 'node'
    ? [program as string, ...HARNESS_NODE_FLAGS, ...args]
    : [program as string, ...args];
}

/** Private temp dirs that live as long as one eval; removed in reverse order. */
class TempDirs {
  private readonly dirs: string[] = [];
  constructor(private readonly root: string) {}
  async write(label: string, files: Record<string, string>, owner?: BundleOwner): Promise<string> {
    const dir = await writeBundleDir(this.root, label, files, owner);
    this.dirs.push(dir);
    return dir;
  }
  async removeAll(): Promise<void> {
    for (const dir of this.dirs.reverse()) await removeBundleDir(dir);
  }
}

/** The limits mode this host gives an eval, for `setting` (default `L402_SANDBOX_LIMITS`, else `auto`). */
async function settleLimits(
  setting: LimitsSetting | undefined,
): Promise<{ mode: LimitsMode; facts: CgroupFacts }> {
  const facts = await probeCgroups();
  const choice = chooseLimitsMode(setting ?? limitsSettingFrom(process.env.L402_SANDBOX_LIMITS), facts);
  if (!choice.ok)
    throw new SandboxError('SANDBOX_LIMITS_UNAVAILABLE', `no such limits on this host: ${choice.reason}`);
  return { mode: choice.mode, facts };
}

/**
 * The mode an eval of these limits would run in here; SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE when the limits are
 * per eval and this host can only limit processes, SANDBOX_LIMITS_UNAVAILABLE when a forced mode is not offered.
 */
export async function limitsModeFor(limits: EvalLimits, options: SandboxOptions = {}): Promise<LimitsMode> {
  const { mode } = await settleLimits(options.limits);
  assertAccountingFits(limits.accounting, mode);
  return mode;
}

/**
 * Runs an eval on one split: the harness in its own bubblewrap sandbox with the split, and the candidate (if
 * the request has one) in another, under a different uid, without the split or its name, joined to the
 * harness only by the declared pipes (see `buildSandboxArgv` for what each sandbox isolates). The eval ends
 * when the harness exits; the candidate is then killed. Both sandboxes share the eval's cgroup (its memory,
 * pids and CPU limits) where the host has one. Fails closed: a missing tool or a sandbox that cannot be set up
 * throws SANDBOX_UNAVAILABLE, limits that cannot be had SANDBOX_LIMITS_UNAVAILABLE or
 * SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE, and nothing runs.
 */
export async function runEval(request: RunEvalRequest, options: SandboxOptions = {}): Promise<EvalResult> {
  const asRoot = process.getuid?.() === 0;
  const harnessUser = options.sandboxUser ?? NOBODY;
  const candidateUser = options.candidateUser ?? CANDIDATE;
  if (asRoot && request.candidate && candidateUser.uid === harnessUser.uid) {
    throw new SandboxError('SANDBOX_UNAVAILABLE', 'the candidate and the harness must run as different uids');
  }
  const tools = await findHostTools(options, asRoot);
  const { mode, facts } = await settleLimits(options.limits);
  assertAccountingFits(request.limits.accounting, mode);
  const tempRoot = options.tempRoot ?? tmpdir();
  const temp = new TempDirs(tempRoot);
  const pipes: OpenPipe[] = [];
  let cgroup: EvalCgroup | undefined;
  try {
    cgroup = await createEvalCgroup(
      mode,
      facts,
      request.limits,
      request.candidate ? ['harness', 'candidate'] : ['harness'],
    );
    const owner = (user: BundleOwner) => (asRoot ? user : undefined);
    const common = async (user: BundleOwner, role: EvalRole) => ({
      bwrapPath: tools.bwrapPath,
      prlimitPath: tools.prlimitPath,
      shellPath: tools.shellPath,
      dropToUser: tools.setprivPath ? { setprivPath: tools.setprivPath, ...user } : undefined,
      systemMounts: await describeSystemMounts(),
      limits: request.limits,
      readyFd: READY_FD,
      ...(cgroup ? { joinCgroups: cgroup.procsFiles(role) } : {}),
    });
    const harness: SandboxCommandInput = {
      ...(await common(harnessUser, 'harness')),
      workHostDir: await temp.write('harness', request.files, owner(harnessUser)),
      workAt: request.candidate ? SANDBOX_PATHS.harness : SANDBOX_PATHS.work,
      splitHostDir: await temp.write('split', request.split.files, owner(harnessUser)),
      splitName: request.split.name,
      command: await harnessCommand(request.command, request.candidate !== undefined),
    };
    const candidate: SandboxCommandInput | undefined = request.candidate && {
      ...(await common(candidateUser, 'candidate')),
      workHostDir: await temp.write('candidate', request.candidate.files, owner(candidateUser)),
      command: await resolveCommand(request.candidate.command),
    };
    pipes.push(...(await openPipes(tempRoot, tools.mkfifoPath, request.candidate?.pipes ?? [])));
    return await runSandboxes(request, options, { harness, candidate }, pipes, { mode, cgroup });
  } finally {
    closePipes(pipes);
    await cgroup?.remove();
    await temp.removeAll();
  }
}

async function runSandboxes(
  request: RunEvalRequest,
  options: SandboxOptions,
  argvs: { harness: SandboxCommandInput; candidate?: SandboxCommandInput },
  pipes: OpenPipe[],
  limits: { mode: LimitsMode; cgroup: EvalCgroup | undefined },
): Promise<EvalResult> {
  const started = Date.now();
  const output = new OutputBudget(request.limits.maxOutputBytes);
  const running: Sandbox[] = [];
  let parentKill: ParentKill | undefined;
  const killAll = (reason: ParentKill) => {
    parentKill ??= reason;
    for (const sandbox of running) sandbox.kill();
  };
  const onOutput = (stream: Stream, chunk: Buffer) => {
    if (!output.take(stream, chunk)) killAll('output-limit');
  };
  const wallTimer = setTimeout(() => killAll('wall-clock'), request.limits.wallSeconds * 1000);
  const heartbeatTimer = setInterval(
    () =>
      options.heartbeat?.({
        split: request.split.name,
        elapsedMs: Date.now() - started,
        outputBytes: output.bytes,
      }),
    options.heartbeatIntervalMs ?? 1000,
  );
  const { cgroup } = limits;
  const cgroupTimer =
    cgroup &&
    setInterval(() => {
      cgroup.events().then(
        (events) => events.oomKills > 0 && killAll('memory'),
        () => undefined,
      );
    }, CGROUP_POLL_MS);
  try {
    let candidate: Sandbox | undefined;
    if (argvs.candidate) {
      candidate = startSandbox(
        buildSandboxArgv(argvs.candidate),
        fdsFor('candidate', pipes),
        { stdout: 'candidate', stderr: 'candidate' },
        onOutput,
      );
      running.push(candidate);
      if (!(await candidate.ready) && parentKill === undefined) {
        candidate.kill();
        await candidate.closed.catch(() => null);
        throw new SandboxError(
          'SANDBOX_UNAVAILABLE',
          `the candidate's sandbox could not be created: ${output.text('candidate').trim()}`,
        );
      }
    }
    const harness = startSandbox(
      buildSandboxArgv(argvs.harness),
      fdsFor('harness', pipes),
      { stdout: 'stdout', stderr: 'stderr' },
      onOutput,
    );
    running.push(harness);
    // Only the sandboxes hold the pipes now: either one's end is the other's EOF or EPIPE.
    closePipes(pipes);
    if (parentKill) harness.kill();
    const exitCode = await harness.closed;
    const harnessStarted = await harness.ready;
    candidate?.kill();
    await candidate?.closed.catch(() => null);
    const stderr = output.text('stderr');
    if (!harnessStarted && parentKill === undefined) {
      throw new SandboxError('SANDBOX_UNAVAILABLE', `the sandbox could not be created: ${stderr.trim()}`);
    }
    const cgroupEvents = await cgroup?.events();
    // The eval's cgroup is the authority on memory: an OOM kill in it is the memory limit, whoever it hit.
    const killedBy =
      parentKill ?? (cgroupEvents && cgroupEvents.oomKills > 0 ? 'memory' : classifyExit(exitCode, stderr));
    return {
      exitCode,
      stdout: output.text('stdout'),
      stderr,
      timedOut: killedBy === 'wall-clock' || killedBy === 'cpu-time',
      ...(killedBy ? { killedBy } : {}),
      wallMs: Date.now() - started,
      ...(argvs.candidate ? { candidateOutput: output.text('candidate') } : {}),
      limitsMode: limits.mode,
      ...(cgroupEvents ? { cgroupEvents } : {}),
    };
  } finally {
    clearTimeout(wallTimer);
    clearInterval(heartbeatTimer);
    clearInterval(cgroupTimer);
    for (const sandbox of running) sandbox.kill();
  }
}
