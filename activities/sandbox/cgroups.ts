import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { SandboxError } from '../../domain/bounty/errors';
import { cgroupPidsFiles, cgroupV1Files, cgroupV2Files, eventCount } from './limits-mode';
import type { LimitsMode } from '../../domain/bounty/eval-outcome';
import type { CgroupFacts } from './limits-mode';
import type { EvalLimits } from './sandbox-command';

interface CgroupMount {
  fsType: string;
  root: string;
  mountPoint: string;
  superOptions: string[];
}

const unescape = (field: string) =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** The cgroup and cgroup2 mounts of `/proc/self/mountinfo`. */
function cgroupMounts(mountinfo: string): CgroupMount[] {
  return mountinfo.split('\n').flatMap((line) => {
    const [left, right] = line.split(' - ');
    const [fsType, , superOptions] = (right ?? '').split(' ');
    const fields = (left ?? '').split(' ');
    if ((fsType !== 'cgroup' && fsType !== 'cgroup2') || fields.length < 5) return [];
    return [
      {
        fsType,
        root: unescape(fields[3] ?? '/'),
        mountPoint: unescape(fields[4] ?? ''),
        superOptions: (superOptions ?? '').split(','),
      },
    ];
  });
}

/** This process's directory in a hierarchy: its path from `/proc/self/cgroup`, under the mount's root. */
function ownDir(mount: CgroupMount, path: string): string {
  const relative = mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
  return join(mount.mountPoint, relative);
}

const writable = async (dirs: string[]) => {
  try {
    await Promise.all(dirs.map((dir) => access(dir, fsConstants.W_OK)));
    return true;
  } catch {
    return false;
  }
};

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** What the host's cgroups offer this process: read from /proc/self/{cgroup,mountinfo} and the cgroup files. */
export async function probeCgroups(): Promise<CgroupFacts> {
  const [ownCgroups, mountinfo] = await Promise.all([
    readFile('/proc/self/cgroup', 'utf8').catch(() => ''),
    readFile('/proc/self/mountinfo', 'utf8').catch(() => ''),
  ]);
  const mounts = cgroupMounts(mountinfo);
  const lines = ownCgroups.split('\n').flatMap((line) => {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    return match ? [{ controllers: (match[2] ?? '').split(','), path: match[3] ?? '/' }] : [];
  });
  const facts: CgroupFacts = {};

  const unified = lines.find((l) => l.controllers.length === 1 && l.controllers[0] === '');
  const v2Mount = mounts.find((m) => m.fsType === 'cgroup2');
  if (unified && v2Mount) {
    const dir = ownDir(v2Mount, unified.path);
    const controllers = await readFile(join(dir, 'cgroup.subtree_control'), 'utf8').catch(() => '');
    facts.v2 = {
      dir,
      controllers: controllers.trim().split(/\s+/).filter(Boolean),
      writable: await writable([dir]),
    };
  }

  const v1Dir = (controller: string) => {
    const line = lines.find((l) => l.controllers.includes(controller));
    const mount = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller));
    return line && mount ? ownDir(mount, line.path) : undefined;
  };
  const v1 = { memory: v1Dir('memory'), pids: v1Dir('pids'), cpu: v1Dir('cpu') };
  const v1Dirs = [v1.memory, v1.pids, v1.cpu].filter((d): d is string => d !== undefined);
  if (v1Dirs.length > 0) {
    facts.v1 = {
      ...(v1.memory ? { memory: v1.memory } : {}),
      ...(v1.pids ? { pids: v1.pids } : {}),
      ...(v1.cpu ? { cpu: v1.cpu } : {}),
      writable: await writable(v1Dirs),
    };
  }
  return facts;
}

/** What the kernel counted in an eval's cgroup. */
export interface CgroupEvents {
  /** Processes the OOM killer ended at the eval's memory limit. */
  oomKills: number;
  /** Forks refused at the eval's pids.max. */
  forksRefused: number;
}

/** The two sandboxes of an eval: each has a pids cgroup of its own below the eval's. */
export type EvalRole = 'harness' | 'candidate';

/**
 * One eval's cgroup (one directory per hierarchy): memory and CPU are the eval's, shared by its harness's and
 * its candidate's sandboxes; pids are counted in a child per sandbox.
 */
export interface EvalCgroup {
  /** The `cgroup.procs` files a sandbox's first process joins, before it starts anything else. */
  procsFiles(role: EvalRole): string[];
  events(): Promise<CgroupEvents>;
  /** Kills whatever is still in it and removes it. */
  remove(): Promise<void>;
}

const REMOVE_TRIES = 100;
const REMOVE_WAIT_MS = 20;

async function killAndRemove(dir: string): Promise<void> {
  for (let attempt = 0; attempt < REMOVE_TRIES; attempt += 1) {
    const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => null);
    if (procs === null) return;
    for (const pid of procs.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    try {
      await rmdir(dir);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, REMOVE_WAIT_MS));
    }
  }
  throw new SandboxError(
    'SANDBOX_LIMITS_UNAVAILABLE',
    `the eval's cgroup ${dir} could not be emptied and removed`,
  );
}

async function writeAll(dir: string, files: [string, string][]): Promise<void> {
  for (const [file, value] of files) await writeFile(join(dir, file), value);
}

/** Eval cgroups are named for the process that made them, so an operator (or a test) can tell whose they are. */
export const evalCgroupPrefix = (): string => `l402-eval-${process.pid}-`;

/**
 * Creates the cgroup of one eval in the given mode (none in `process` mode) with its limits written; on any
 * failure whatever was created is removed and the eval is SANDBOX_LIMITS_UNAVAILABLE: it never runs unlimited.
 */
export async function createEvalCgroup(
  mode: LimitsMode,
  facts: CgroupFacts,
  limits: EvalLimits,
  roles: readonly EvalRole[],
): Promise<EvalCgroup | undefined> {
  if (mode === 'process') return undefined;
  const name = `${evalCgroupPrefix()}${randomBytes(8).toString('hex')}`;
  const created: string[] = [];
  const make = async (parent: string, child: string, files: [string, string][]) => {
    const dir = join(parent, child);
    await mkdir(dir);
    created.push(dir);
    await writeAll(dir, files);
    return dir;
  };
  const makeRoleDirs = async (parent: string) => {
    const dirs = new Map<EvalRole, string>();
    for (const role of roles) dirs.set(role, await make(parent, role, cgroupPidsFiles(limits)));
    return dirs;
  };
  const roleDir = (dirs: Map<EvalRole, string>, role: EvalRole) => {
    const dir = dirs.get(role);
    if (!dir) throw new SandboxError('SANDBOX_UNAVAILABLE', `the eval's cgroup has no ${role} sandbox`);
    return dir;
  };
  const forksRefused = async (dirs: Map<EvalRole, string>) => {
    const counts = await Promise.all(
      [...dirs.values()].map(async (dir) =>
        eventCount(await readFile(join(dir, 'pids.events'), 'utf8'), 'max'),
      ),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  };
  const removeAll = async () => {
    for (const dir of [...created].reverse()) await killAndRemove(dir);
  };
  try {
    if (mode === 'cgroup-v2') {
      const { dir: parent, controllers } = facts.v2 ?? { dir: '', controllers: [] };
      const dir = await make(parent, name, []);
      const files = cgroupV2Files(limits, controllers);
      const present = await Promise.all(files.map(([file]) => exists(join(dir, file))));
      // No swap accounting on the host means no swap file and nothing to cap.
      await writeAll(
        dir,
        files.filter(([file], i) => present[i] || file !== 'memory.swap.max'),
      );
      await writeAll(dir, [['cgroup.subtree_control', '+pids']]);
      const roleDirs = await makeRoleDirs(dir);
      return {
        procsFiles: (role) => [join(roleDir(roleDirs, role), 'cgroup.procs')],
        events: async () => ({
          oomKills: eventCount(await readFile(join(dir, 'memory.events'), 'utf8'), 'oom_kill'),
          forksRefused: await forksRefused(roleDirs),
        }),
        remove: removeAll,
      };
    }
    const { memory, pids, cpu } = facts.v1 ?? {};
    if (!memory || !pids)
      throw new SandboxError('SANDBOX_LIMITS_UNAVAILABLE', 'no v1 memory and pids hierarchies');
    const files = cgroupV1Files(limits, await exists(join(memory, 'memory.memsw.limit_in_bytes')));
    const memoryDir = await make(memory, name, files.memory);
    const roleDirs = await makeRoleDirs(await make(pids, name, []));
    const cpuDir = cpu ? await make(cpu, name, files.cpu) : undefined;
    return {
      procsFiles: (role) =>
        [memoryDir, roleDir(roleDirs, role), ...(cpuDir ? [cpuDir] : [])].map((dir) =>
          join(dir, 'cgroup.procs'),
        ),
      events: async () => ({
        oomKills: eventCount(await readFile(join(memoryDir, 'memory.oom_control'), 'utf8'), 'oom_kill'),
        forksRefused: await forksRefused(roleDirs),
      }),
      remove: removeAll,
    };
  } catch (err) {
    await removeAll();
    throw new SandboxError(
      'SANDBOX_LIMITS_UNAVAILABLE',
      `cannot set up the eval's cgroup (${mode}): ${(err as Error).message}`,
    );
  }
}
