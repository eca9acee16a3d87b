import { constants } from 'node:fs';
import { access, lstat, readlink, realpath } from 'node:fs/promises';
import { dirname } from 'node:path';

import { SandboxError } from '../../domain/bounty/errors';
import type { SystemMount } from './sandbox-command';

const TOOL_DIRS = ['/usr/bin', '/bin', '/usr/local/bin', '/usr/sbin', '/sbin'];
/** Top-level system paths the runtime may load from; on merged-/usr hosts most are symlinks into /usr. */
const SYSTEM_PATHS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The absolute path of a host tool, or SANDBOX_UNAVAILABLE: evals never run without their sandbox. */
export async function findTool(name: string, explicitPath?: string): Promise<string> {
  const candidates = explicitPath ? [explicitPath] : TOOL_DIRS.map((dir) => `${dir}/${name}`);
  for (const path of candidates) if (await isExecutable(path)) return path;
  throw new SandboxError(
    'SANDBOX_UNAVAILABLE',
    `${name} is not installed (looked in ${candidates.join(', ')})`,
    { tool: name },
  );
}

/** /usr read-only, the top-level system paths as they are on the host, and the running Node's directory. */
export async function describeSystemMounts(): Promise<SystemMount[]> {
  const mounts: SystemMount[] = [{ kind: 'ro-bind', path: '/usr' }];
  for (const path of SYSTEM_PATHS) {
    const stat = await lstat(path).catch(() => undefined);
    if (stat?.isSymbolicLink()) mounts.push({ kind: 'symlink', path, target: await readlink(path) });
    else if (stat?.isDirectory()) mounts.push({ kind: 'ro-bind', path });
  }
  const nodeDir = dirname(await realpath(process.execPath));
  const covered = mounts.some(
    (m) => m.kind === 'ro-bind' && (nodeDir === m.path || nodeDir.startsWith(`${m.path}/`)),
  );
  if (!covered) mounts.push({ kind: 'ro-bind', path: nodeDir });
  return mounts;
}

/** `node` in an eval command means the Node binary running this process (its directory is mounted). */
export async function resolveCommand(command: string[]): Promise<string[]> {
  const [program, ...args] = command;
  if (program === undefined) throw new SandboxError('SANDBOX_UNAVAILABLE', 'the eval command is empty');
  return program === 'node' ? [await realpath(process.execPath), ...args] : command;
}
