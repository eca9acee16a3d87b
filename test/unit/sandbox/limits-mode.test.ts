import {
  assertAccountingFits,
  cgroupPidsFiles,
  cgroupV1Files,
  cgroupV2Files,
  chooseLimitsMode,
  eventCount,
  limitsSettingFrom,
} from '../../../activities/sandbox/limits-mode';
import type { CgroupFacts, LimitsChoice, LimitsSetting } from '../../../activities/sandbox/limits-mode';
import type { EvalLimits } from '../../../activities/sandbox/sandbox-command';

const delegated: CgroupFacts['v2'] = {
  dir: '/cg/worker',
  controllers: ['cpu', 'memory', 'pids'],
  writable: true,
};
const v1: CgroupFacts['v1'] = { memory: '/cg/memory/w', pids: '/cg/pids', cpu: '/cg/cpu', writable: true };
/** This host and CI: cgroup v1 hierarchies as root, a unified hierarchy with no controllers delegated. */
const hybrid: CgroupFacts = { v2: { dir: '/cg/unified', controllers: [], writable: true }, v1 };

describe('chooseLimitsMode', () => {
  it.each<[string, LimitsSetting, CgroupFacts, LimitsChoice]>([
    ['auto prefers a delegated cgroup2', 'auto', { v2: delegated, v1 }, { ok: true, mode: 'cgroup-v2' }],
    ['auto takes v1 on a hybrid host', 'auto', hybrid, { ok: true, mode: 'cgroup-v1' }],
    [
      'auto falls back to processes when v1 is read-only',
      'auto',
      { v1: { ...v1, writable: false } },
      { ok: true, mode: 'process' },
    ],
    [
      'auto falls back to processes without a pids hierarchy',
      'auto',
      { v1: { memory: '/cg/memory', writable: true } },
      { ok: true, mode: 'process' },
    ],
    [
      'auto skips a cgroup2 that does not delegate pids',
      'auto',
      { v2: { ...delegated, controllers: ['memory'] } },
      { ok: true, mode: 'process' },
    ],
    ['auto on a host without cgroups', 'auto', {}, { ok: true, mode: 'process' }],
    ['a forced mode the host has', 'cgroup-v1', { v2: delegated, v1 }, { ok: true, mode: 'cgroup-v1' }],
    ['forced processes', 'process', { v2: delegated }, { ok: true, mode: 'process' }],
    [
      'a forced cgroup2 without delegation',
      'cgroup-v2',
      hybrid,
      { ok: false, reason: 'cgroup-v2: /cg/unified does not delegate memory and pids' },
    ],
    [
      'a forced cgroup2 that is read-only',
      'cgroup-v2',
      { v2: { ...delegated, writable: false } },
      { ok: false, reason: 'cgroup-v2: /cg/worker is not writable' },
    ],
    [
      'a forced v1 without v1',
      'cgroup-v1',
      { v2: delegated },
      { ok: false, reason: 'cgroup-v1: no v1 memory and pids hierarchies for this process' },
    ],
  ])('%s', (_name, setting, facts, expected) => {
    expect(chooseLimitsMode(setting, facts)).toEqual(expected);
  });
});

describe('limitsSettingFrom', () => {
  it('reads L402_SANDBOX_LIMITS, unset being auto', () => {
    expect(limitsSettingFrom(undefined)).toBe('auto');
    expect(limitsSettingFrom('process')).toBe('process');
  });

  it('refuses anything else with a code', () => {
    expect(() => limitsSettingFrom('cgroups')).toThrow(
      expect.objectContaining({ code: 'SANDBOX_LIMITS_UNAVAILABLE' }),
    );
  });
});

describe('assertAccountingFits', () => {
  it('refuses per-eval limits (also by default) where only processes can be limited', () => {
    for (const accounting of ['per-eval', undefined] as const) {
      expect(() => assertAccountingFits(accounting, 'process')).toThrow(
        expect.objectContaining({ code: 'SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE' }),
      );
    }
  });

  it('lets per-process limits run anywhere and per-eval limits run in a cgroup', () => {
    expect(() => assertAccountingFits('per-process', 'process')).not.toThrow();
    expect(() => assertAccountingFits('per-eval', 'cgroup-v1')).not.toThrow();
    expect(() => assertAccountingFits(undefined, 'cgroup-v2')).not.toThrow();
  });
});

describe('cgroup files', () => {
  const limits: EvalLimits = {
    wallSeconds: 20,
    cpuSeconds: 10,
    memoryMb: 256,
    maxProcesses: 64,
    maxOutputBytes: 1,
  };

  it('v2: memory without swap, one OOM kill for the whole group, one CPU', () => {
    expect(cgroupV2Files(limits, ['cpu', 'memory', 'pids'])).toEqual([
      ['memory.max', '268435456'],
      ['memory.swap.max', '0'],
      ['memory.oom.group', '1'],
      ['cpu.max', '100000 100000'],
    ]);
    expect(cgroupV2Files(limits, ['memory', 'pids']).map(([file]) => file)).not.toContain('cpu.max');
  });

  it('v1: the memory limit before memory+swap, one CPU', () => {
    expect(cgroupV1Files(limits, true)).toEqual({
      memory: [
        ['memory.limit_in_bytes', '268435456'],
        ['memory.memsw.limit_in_bytes', '268435456'],
      ],
      cpu: [
        ['cpu.cfs_period_us', '100000'],
        ['cpu.cfs_quota_us', '100000'],
      ],
    });
    expect(cgroupV1Files(limits, false).memory).toEqual([['memory.limit_in_bytes', '268435456']]);
  });

  it('pids: each sandbox of the eval gets maxProcesses in a cgroup of its own, in v1 and v2 alike', () => {
    expect(cgroupPidsFiles(limits)).toEqual([['pids.max', '64']]);
    expect(cgroupV2Files(limits, ['cpu', 'memory', 'pids']).map(([file]) => file)).not.toContain('pids.max');
  });

  it.each([
    ['low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n', 'oom_kill', 1],
    ['oom_kill_disable 0\nunder_oom 0\noom_kill 2\n', 'oom_kill', 2],
    ['max 7\n', 'max', 7],
    ['oom_kill_disable 0\n', 'oom_kill', 0],
  ])('counts %j %s', (text, name, count) => {
    expect(eventCount(text, name)).toBe(count);
  });
});
