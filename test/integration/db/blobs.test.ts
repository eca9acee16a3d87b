import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BlobStore } from '../../../db/blobs';
import { BlobError, databaseBlobStore, directoryBlobStore, sha256Hex } from '../../../db/blobs';
import { openDatabase } from '../../../db/client';
import { freshPostgres } from '../../support/database';

interface OpenedStore {
  blobs: BlobStore;
  /** Overwrites the bytes stored under `sha256` behind the store's back. */
  alter(sha256: string, bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

async function rowStore(open: () => ReturnType<typeof openDatabase>, drop?: () => Promise<void>) {
  const db = await open();
  return {
    blobs: databaseBlobStore(db.prisma),
    alter: async (sha256: string, bytes: Uint8Array) => {
      await db.prisma.blob.update({ where: { sha256 }, data: { bytes: new Uint8Array(bytes) } });
    },
    close: drop ?? (() => db.close()),
  };
}

const stores: [string, () => Promise<OpenedStore>][] = [
  ['a PGlite database', () => rowStore(() => openDatabase({ kind: 'pglite-memory' }))],
  [
    'a PostgreSQL database',
    async () => {
      const db = await freshPostgres();
      return rowStore(async () => db, db.drop);
    },
  ],
  [
    'a directory',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'l402-blobs-'));
      return {
        blobs: directoryBlobStore(dir),
        alter: async (sha256: string, bytes: Uint8Array) =>
          writeFileSync(path.join(dir, sha256.slice(0, 2), sha256), bytes),
        close: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
];

const failure = (read: Promise<unknown>) =>
  read.then(
    () => null,
    (err: unknown) => (err instanceof BlobError ? err.code : err),
  );

describe.each(stores)('blobs in %s', (_kind, open) => {
  let store: OpenedStore;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  it('stores bytes under their sha256 once, and gives them back', async () => {
    const bytes = Buffer.from('a pseudo-gradient, say');
    const sha256 = await store.blobs.put(bytes);
    expect(sha256).toBe(sha256Hex(bytes));
    expect(await store.blobs.put(Buffer.from(bytes))).toBe(sha256);
    expect((await store.blobs.get(sha256)).equals(bytes)).toBe(true);
  });

  it('takes the same bytes from concurrent writers (two agents sending one diff at once)', async () => {
    const bytes = Buffer.from('one diff, sent twice at once');
    const hashes = await Promise.all(Array.from({ length: 8 }, () => store.blobs.put(bytes)));
    expect(new Set(hashes)).toEqual(new Set([sha256Hex(bytes)]));
    expect((await store.blobs.get(sha256Hex(bytes))).equals(bytes)).toBe(true);
  });

  it('keeps 5 MB whole', async () => {
    const bytes = Buffer.alloc(5 * 1024 * 1024, 7);
    bytes[bytes.length - 1] = 1;
    const sha256 = await store.blobs.put(bytes);
    expect((await store.blobs.get(sha256)).equals(bytes)).toBe(true);
  });

  it('BLOB_CORRUPT: refuses bytes that no longer hash to their id', async () => {
    const sha256 = await store.blobs.put(Buffer.from('honest bytes'));
    await store.alter(sha256, Buffer.from('altered bytes'));
    expect(await failure(store.blobs.get(sha256))).toBe('BLOB_CORRUPT');
  });

  it.each([
    ['an unknown hash', 'ab'.repeat(32)],
    ['a path', '../../../../etc/passwd'],
    ['upper-case hex', 'AB'.repeat(32)],
    ['the empty string', ''],
  ])('BLOB_NOT_FOUND: %s', async (_what, sha256) => {
    expect(await failure(store.blobs.get(sha256))).toBe('BLOB_NOT_FOUND');
  });
});

describe('a directory store', () => {
  it('leaves no partial files behind a write', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'l402-blobs-'));
    const sha256 = await directoryBlobStore(dir).put(Buffer.from('whole'));
    expect(readdirSync(path.join(dir, sha256.slice(0, 2)))).toEqual([sha256]);
    rmSync(dir, { recursive: true, force: true });
  });
});
