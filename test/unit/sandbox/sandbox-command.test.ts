import { SANDBOX_PATHS, buildSandboxArgv, sandboxEnv } from '../../../activities/sandbox/sandbox-command';
import type { SandboxCommandInput } from '../../../activities/sandbox/sandbox-command';

const input: SandboxCommandInput = {
  bwrapPath: '/usr/bin/bwrap',
  prlimitPath: '/usr/bin/prlimit',
  shellPath: '/usr/bin/sh',
  systemMounts: [
    { kind: 'ro-bind', path: '/usr' },
    { kind: 'symlink', path: '/lib', target: 'usr/lib' },
  ],
  workHostDir: '/tmp/l402-eval-work-1',
  splitHostDir: '/tmp/l402-eval-split-1',
  splitName: 'held-out',
  command: ['/usr/bin/node', 'eval.js'],
  limits: { wallSeconds: 20, cpuSeconds: 10, memoryMb: 256, maxProcesses: 32, maxOutputBytes: 65536 },
  readyFd: 3,
};

/** The value that follows `flag` in argv (or the two values, for two-argument flags). */
function after(argv: string[], flag: string, count = 1): string[] {
  const at = argv.indexOf(flag);
  expect(at).toBeGreaterThanOrEqual(0);
  return argv.slice(at + 1, at + 1 + count);
}

describe('buildSandboxArgv', () => {
  const argv = buildSandboxArgv(input);
  const separator = argv.indexOf('--');
  const bwrapOptions = argv.slice(0, separator);
  const inside = argv.slice(separator + 1);

  it('runs bwrap directly when no user drop is asked for', () => {
    expect(argv[0]).toBe('/usr/bin/bwrap');
  });

  it('unshares every namespace, drops capabilities and ties the sandbox to its parent', () => {
    for (const flag of [
      '--unshare-all',
      '--unshare-user',
      '--disable-userns',
      '--die-with-parent',
      '--new-session',
    ]) {
      expect(bwrapOptions).toContain(flag);
    }
    expect(after(bwrapOptions, '--cap-drop')).toEqual(['ALL']);
  });

  it('mounts the candidate and the split read-only, and only a sized tmpfs writable', () => {
    const binds = bwrapOptions.flatMap((arg, i) =>
      arg === '--ro-bind' ? [bwrapOptions.slice(i + 1, i + 3)] : [],
    );
    expect(binds).toEqual([
      ['/usr', '/usr'],
      ['/tmp/l402-eval-work-1', SANDBOX_PATHS.work],
      ['/tmp/l402-eval-split-1', SANDBOX_PATHS.split],
    ]);
    expect(bwrapOptions).not.toContain('--bind');
    expect(after(bwrapOptions, '--symlink', 2)).toEqual(['usr/lib', '/lib']);
    expect(after(bwrapOptions, '--size', 3)).toEqual([
      String(16 * 1024 * 1024),
      '--tmpfs',
      SANDBOX_PATHS.scratch,
    ]);
    const readOnly = bwrapOptions.flatMap((arg, i) => (arg === '--remount-ro' ? [bwrapOptions[i + 1]] : []));
    expect(readOnly).toEqual(['/', '/dev']);
    expect(after(bwrapOptions, '--chdir')).toEqual([SANDBOX_PATHS.work]);
  });

  it('clears the environment and sets only the sandbox env', () => {
    expect(bwrapOptions).toContain('--clearenv');
    const set = bwrapOptions.flatMap((arg, i) => (arg === '--setenv' ? [bwrapOptions[i + 1]] : []));
    expect(set.sort()).toEqual(Object.keys(sandboxEnv('held-out')).sort());
    expect(sandboxEnv('held-out')).toMatchObject({ SPLIT_NAME: 'held-out', SPLIT_DIR: SANDBOX_PATHS.split });
  });

  it('reports readiness from inside, sets the rlimits with prlimit, then runs the command', () => {
    expect(inside).toEqual([
      '/usr/bin/sh',
      '-c',
      'printf ready >&3 && exec 3>&- && exec "$@"',
      'sandbox-ready',
      '/usr/bin/prlimit',
      '--cpu=10:11',
      `--data=${256 * 1024 * 1024}`,
      '--nproc=32',
      `--fsize=${16 * 1024 * 1024}`,
      '--nofile=256',
      '--core=0',
      '--',
      '/usr/bin/node',
      'eval.js',
    ]);
  });

  it('drops to the sandbox uid with setpriv, without privileges, when asked to', () => {
    const dropped = buildSandboxArgv({
      ...input,
      dropToUser: { setprivPath: '/usr/bin/setpriv', uid: 65534, gid: 65534 },
    });
    const bwrapAt = dropped.indexOf('/usr/bin/bwrap');
    expect(dropped.slice(0, bwrapAt)).toEqual([
      '/usr/bin/setpriv',
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--no-new-privs',
      '--',
    ]);
    expect(dropped.slice(bwrapAt)).toEqual(argv);
  });

  it('joins the eval’s cgroups first, as root, before setpriv drops to the sandbox uid', () => {
    const procsFiles = ['/cg/memory/l402-eval-1/cgroup.procs', '/cg/pids/l402-eval-1/cgroup.procs'];
    const joined = buildSandboxArgv({
      ...input,
      joinCgroups: procsFiles,
      dropToUser: { setprivPath: '/usr/bin/setpriv', uid: 65534, gid: 65534 },
    });
    const setprivAt = joined.indexOf('/usr/bin/setpriv');
    expect(joined.slice(0, setprivAt)).toEqual([
      '/usr/bin/sh',
      '-c',
      'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"',
      'join-cgroups',
      ...procsFiles,
      '--',
    ]);
    expect(buildSandboxArgv({ ...input, joinCgroups: [] })).toEqual(argv);
  });
});
