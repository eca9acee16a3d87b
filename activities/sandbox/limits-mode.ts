import { z } from 'zod';

import { SandboxError } from '../../domain/bounty/errors';
import { LIMITS_MODES, type LimitsMode } from '../../domain/bounty/eval-outcome';
import type { EvalLimits } from './sandbox-command';

/** `L402_SANDBOX_LIMITS`: `auto` takes the first mode of `LIMITS_MODES` this host supports. */
export const LimitsSetting = z.enum(['auto', ...LIMITS_MODES]);
export type LimitsSetting = z.infer<typeof LimitsSetting>;

/** What a bundle's limits mean: the whole eval's (the default), or each process's. */
export const ACCOUNTINGS = ['per-eval', 'per-process'] as const;
export type Accounting = (typeof ACCOUNTINGS)[number];
export const DEFAULT_ACCOUNTING: Accounting = 'per-eval';

/** What the host offers, as probed: each hierarchy's directory for the worker's own cgroup, when usable. */
export interface CgroupFacts {
  /** The worker's own cgroup2 directory, the controllers its `cgroup.subtree_control` enables, and write access. */
  v2?: { dir: string; controllers: string[]; writable: boolean };
  /** The worker's own cgroup in each v1 hierarchy that is mounted, and write access to all of them. */
  v1?: { memory?: string; pids?: string; cpu?: string; writable: boolean };
}

export type LimitsChoice = { ok: true; mode: LimitsMode } | { ok: false; reason: string };

function supports(mode: LimitsMode, facts: CgroupFacts): string | null {
  if (mode === 'process') return null;
  if (mode === 'cgroup-v2') {
    const { v2 } = facts;
    if (!v2) return 'no cgroup2 hierarchy for this process';
    const missing = ['memory', 'pids'].filter((c) => !v2.controllers.includes(c));
    if (missing.length > 0) return `${v2.dir} does not delegate ${missing.join(' and ')}`;
    return v2.writable ? null : `${v2.dir} is not writable`;
  }
  const { v1 } = facts;
  if (!v1?.memory || !v1.pids) return 'no v1 memory and pids hierarchies for this process';
  return v1.writable ? null : 'the v1 memory and pids cgroups of this process are not writable';
}

/** The mode an eval runs in: the forced one if the host supports it, else the first supported. Pure. */
export function chooseLimitsMode(setting: LimitsSetting, facts: CgroupFacts): LimitsChoice {
  if (setting !== 'auto') {
    const reason = supports(setting, facts);
    return reason === null ? { ok: true, mode: setting } : { ok: false, reason: `${setting}: ${reason}` };
  }
  const mode = LIMITS_MODES.find((m) => supports(m, facts) === null) ?? 'process';
  return { ok: true, mode };
}

/** The setting from `L402_SANDBOX_LIMITS` (unset is `auto`); anything else is SANDBOX_LIMITS_UNAVAILABLE. */
export function limitsSettingFrom(value: string | undefined): LimitsSetting {
  const parsed = LimitsSetting.safeParse(value ?? 'auto');
  if (!parsed.success) {
    throw new SandboxError(
      'SANDBOX_LIMITS_UNAVAILABLE',
      `L402_SANDBOX_LIMITS must be one of ${LimitsSetting.options.join(', ')}, not "${value}"`,
    );
  }
  return parsed.data;
}

/** Refuses a bundle whose limits are per eval on a host that can only limit processes. Pure. */
export function assertAccountingFits(accounting: Accounting | undefined, mode: LimitsMode): void {
  if (mode === 'process' && (accounting ?? DEFAULT_ACCOUNTING) === 'per-eval') {
    throw new SandboxError(
      'SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE',
      'the bundle declares per-eval limits and this host can only limit each process (no usable cgroup)',
    );
  }
}

/** The CPU bandwidth of one eval, harness and candidate together: one CPU per period. */
const CPU_PERIOD_US = 100_000;
const CPU_QUOTA_US = 100_000;

const bytes = (mb: number) => String(mb * 1024 * 1024);

/** The files written into an eval's cgroup2 directory, in order. Pure. */
export function cgroupV2Files(limits: EvalLimits, controllers: readonly string[]): [string, string][] {
  return [
    ['memory.max', bytes(limits.memoryMb)],
    ['memory.swap.max', '0'],
    // One OOM kill takes the whole eval, as the v1 mode does by killing the eval when it sees one.
    ['memory.oom.group', '1'],
    ...(controllers.includes('cpu')
      ? [['cpu.max', `${CPU_QUOTA_US} ${CPU_PERIOD_US}`] as [string, string]]
      : []),
  ];
}

/** The files written into an eval's v1 cgroups, per hierarchy, in order (the memory limit before memsw). Pure. */
export function cgroupV1Files(
  limits: EvalLimits,
  memsw: boolean,
): Record<'memory' | 'cpu', [string, string][]> {
  return {
    memory: [
      ['memory.limit_in_bytes', bytes(limits.memoryMb)],
      ...(memsw ? [['memory.memsw.limit_in_bytes', bytes(limits.memoryMb)] as [string, string]] : []),
    ],
    cpu: [
      ['cpu.cfs_period_us', String(CPU_PERIOD_US)],
      ['cpu.cfs_quota_us', String(CPU_QUOTA_US)],
    ],
  };
}

/**
 * The files of each sandbox's own pids cgroup, below the eval's (v1 and v2 alike): the harness and the
 * candidate each get `maxProcesses`, so a candidate's forks can never take the slots its harness needs. Pure.
 */
export function cgroupPidsFiles(limits: EvalLimits): [string, string][] {
  return [['pids.max', String(limits.maxProcesses)]];
}

/** The `oom_kill` count of a v2 `memory.events` or a v1 `memory.oom_control`; the `max` count of `pids.events`. */
export function eventCount(text: string, name: string): number {
  const match = new RegExp(`^${name}\\s+(\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}
