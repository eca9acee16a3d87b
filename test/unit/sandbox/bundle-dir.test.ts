import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { removeBundleDir, writeBundleDir } from '../../../activities/sandbox/bundle-dir';

describe('writeBundleDir', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bundle-dir-test-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('writes nested files into a private directory that removeBundleDir deletes', async () => {
    const dir = await writeBundleDir(root, 'work', { 'a.js': 'A', 'lib/deep/b.js': 'B' });
    expect(readFileSync(join(dir, 'lib/deep/b.js'), 'utf8')).toBe('B');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'lib')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'a.js')).mode & 0o777).toBe(0o600);
    await removeBundleDir(dir);
    expect(() => statSync(dir)).toThrow();
  });

  it.each(['../escape.js', '/etc/passwd', 'a/./b.js', 'a//b.js'])(
    'refuses the path %j and leaves nothing',
    async (path) => {
      await expect(writeBundleDir(root, 'work', { 'ok.js': 'x', [path]: 'x' })).rejects.toMatchObject({
        code: 'BOUNTY_MANIFEST_INVALID',
      });
      expect(() => statSync(join(root, '..', 'escape.js'))).toThrow();
      expect(readdirSync(root)).toEqual([]);
    },
  );
});
