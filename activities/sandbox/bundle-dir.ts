import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { SandboxError } from '../../domain/bounty/errors';
import { isSafeRelativePath } from '../../domain/bounty/paths';

/** Who may read a materialised bundle: only its owner, which is the sandbox's uid when we run as root. */
export interface BundleOwner {
  uid: number;
  gid: number;
}

/**
 * Writes files into a fresh private directory (0700/0600) under `tempRoot`, owned by `owner` if given,
 * and returns its path. The sandbox mounts it read-only; the caller removes it with `removeBundleDir`.
 */
export async function writeBundleDir(
  tempRoot: string,
  label: string,
  files: Record<string, string>,
  owner?: BundleOwner,
): Promise<string> {
  const root = await mkdtemp(join(tempRoot, `l402-eval-${label}-`));
  const paths = [root];
  for (const [relative, content] of Object.entries(files)) {
    if (!isSafeRelativePath(relative)) {
      await removeBundleDir(root);
      throw new SandboxError('BOUNTY_MANIFEST_INVALID', `refusing to write unsafe bundle path "${relative}"`);
    }
    const target = join(root, relative);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await writeFile(target, content, { mode: 0o600 });
    paths.push(target);
    for (let dir = dirname(target); dir !== root; dir = dirname(dir)) paths.push(dir);
  }
  await chmod(root, 0o700);
  if (owner) for (const path of new Set(paths)) await chown(path, owner.uid, owner.gid);
  return root;
}

export async function removeBundleDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
