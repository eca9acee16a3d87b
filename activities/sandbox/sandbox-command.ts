import type { Accounting } from './limits-mode';

/** Resource limits of one eval run. */
export interface EvalLimits {
  /** Whether memoryMb and maxProcesses bound the whole eval (default) or each process; see limits-mode.ts. */
  accounting?: Accounting;
  /** Wall clock, enforced by the parent: the whole sandbox is killed when it runs out. */
  wallSeconds: number;
  /** RLIMIT_CPU: SIGXCPU at this many CPU seconds, SIGKILL one second later. */
  cpuSeconds: number;
  /**
   * The eval's memory cgroup limit (harness and candidate together, page cache and tmpfs included, no swap) and
   * each process's RLIMIT_DATA (private writable memory; V8 reserves too much address space for RLIMIT_AS).
   */
  memoryMb: number;
  /**
   * Each sandbox's pids.max (the harness's and the candidate's apart), and RLIMIT_NPROC inside each sandbox's own user namespace: processes *and threads*
   * (Node itself uses about 11).
   */
  maxProcesses: number;
  /** stdout plus stderr; the sandbox is killed when it writes more. */
  maxOutputBytes: number;
  /** Size of the writable scratch tmpfs at /tmp, and RLIMIT_FSIZE. Default 16. */
  scratchMb?: number;
}

export const DEFAULT_SCRATCH_MB = 16;
const MAX_OPEN_FILES = 256;
/** What the sandbox writes on its ready fd: bwrap has finished every mount, so the sandbox exists. */
export const READY = 'ready';

/** Where things appear inside the sandbox. */
export const SANDBOX_PATHS = {
  work: '/sandbox/candidate',
  harness: '/sandbox/harness',
  split: '/sandbox/split',
  scratch: '/tmp',
} as const;

/** A host path visible inside the sandbox: read-only bind of a directory or file, or a symlink (merged /usr). */
export type SystemMount =
  { kind: 'ro-bind'; path: string } | { kind: 'symlink'; path: string; target: string };

export interface SandboxCommandInput {
  /** The eval's cgroup.procs files: the sandbox's first process joins them before anything else runs. */
  joinCgroups?: string[];
  bwrapPath: string;
  prlimitPath: string;
  /** A POSIX shell inside the sandbox that reports readiness, then execs prlimit. */
  shellPath: string;
  /** Set when the parent runs as root: drop to this uid/gid with setpriv before bwrap, so no root uid is ever used. */
  dropToUser?: { setprivPath: string; uid: number; gid: number };
  systemMounts: SystemMount[];
  workHostDir: string;
  /** Where the work dir appears inside: `SANDBOX_PATHS.work` (a candidate, or a lone eval) unless given. */
  workAt?: string;
  /** The split of this run; both absent in a candidate's sandbox, which never sees the split or its name. */
  splitHostDir?: string;
  splitName?: string;
  command: string[];
  limits: EvalLimits;
  /** An inherited fd on which the sandbox writes `ready` once it is fully set up (then closes it). */
  readyFd: number;
}

/** The sandbox's whole environment: nothing from the parent's leaks in; the split only where there is one. */
export function sandboxEnv(splitName?: string): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: SANDBOX_PATHS.scratch,
    TMPDIR: SANDBOX_PATHS.scratch,
    LANG: 'C.UTF-8',
    ...(splitName === undefined ? {} : { SPLIT_NAME: splitName, SPLIT_DIR: SANDBOX_PATHS.split }),
  };
}

function prlimitArgs(prlimitPath: string, limits: EvalLimits): string[] {
  const mb = 1024 * 1024;
  const scratchBytes = (limits.scratchMb ?? DEFAULT_SCRATCH_MB) * mb;
  return [
    prlimitPath,
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--data=${limits.memoryMb * mb}`,
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${scratchBytes}`,
    `--nofile=${MAX_OPEN_FILES}`,
    '--core=0',
    '--',
  ];
}

/** Inside the finished sandbox: say so on the ready fd, close it, and go on to prlimit and the command. */
function readyArgs(shellPath: string, readyFd: number): string[] {
  return [
    shellPath,
    '-c',
    `printf ${READY} >&${readyFd} && exec ${readyFd}>&- && exec "$@"`,
    'sandbox-ready',
  ];
}

/** Joins every cgroup (writing its own pid to each `cgroup.procs`), then execs the rest; exits 125 if one fails. */
function joinArgs(shellPath: string, procsFiles: string[]): string[] {
  if (procsFiles.length === 0) return [];
  return [
    shellPath,
    '-c',
    'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"',
    'join-cgroups',
    ...procsFiles,
    '--',
  ];
}

/**
 * The argv (program first) that runs `command` in a bubblewrap sandbox: every namespace unshared (so the
 * network is a private loopback), no capabilities, no further user namespaces, a new session, killed with
 * its parent, in the eval's cgroup from its first process on (when there is one), system paths, the candidate, the split, the sandbox's own root and its /dev read-only, a size-capped tmpfs
 * as the only writable place, an explicit environment, and rlimits set by prlimit inside. Pure.
 */
export function buildSandboxArgv(input: SandboxCommandInput): string[] {
  const scratchBytes = (input.limits.scratchMb ?? DEFAULT_SCRATCH_MB) * 1024 * 1024;
  const mounts = input.systemMounts.flatMap((m) =>
    m.kind === 'ro-bind' ? ['--ro-bind', m.path, m.path] : ['--symlink', m.target, m.path],
  );
  const env = Object.entries(sandboxEnv(input.splitName)).flatMap(([name, value]) => [
    '--setenv',
    name,
    value,
  ]);
  const bwrap = [
    input.bwrapPath,
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'sandbox',
    ...mounts,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(scratchBytes),
    '--tmpfs',
    SANDBOX_PATHS.scratch,
    '--ro-bind',
    input.workHostDir,
    input.workAt ?? SANDBOX_PATHS.work,
    ...(input.splitHostDir === undefined ? [] : ['--ro-bind', input.splitHostDir, SANDBOX_PATHS.split]),
    '--remount-ro',
    '/',
    '--remount-ro',
    '/dev',
    '--chdir',
    input.workAt ?? SANDBOX_PATHS.work,
    '--clearenv',
    ...env,
    '--',
    ...readyArgs(input.shellPath, input.readyFd),
    ...prlimitArgs(input.prlimitPath, input.limits),
    ...input.command,
  ];
  const join = joinArgs(input.shellPath, input.joinCgroups ?? []);
  if (!input.dropToUser) return [...join, ...bwrap];
  const { setprivPath, uid, gid } = input.dropToUser;
  return [
    ...join,
    setprivPath,
    `--reuid=${uid}`,
    `--regid=${gid}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
    '--',
    ...bwrap,
  ];
}
