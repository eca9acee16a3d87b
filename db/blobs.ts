import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client';
import { L402TrainError } from '../domain/l402-train-error';

/**
 * Bytes stored once under their sha256 (payloads, diffs, checkpoints): workflows, activities and the audit pass
 * the hash, and every read checks the bytes against it. One small interface, so another store (an S3-compatible
 * one) can stand in for these two.
 */
export interface BlobStore {
  /** Stores the bytes (storing the same bytes again is a no-op) and gives their sha256, lowercase hex. */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes stored under `sha256`; throws BlobError BLOB_NOT_FOUND or BLOB_CORRUPT. */
  get(sha256: string): Promise<Buffer>;
}

export type BlobErrorCode = 'BLOB_NOT_FOUND' | 'BLOB_CORRUPT';

export class BlobError extends L402TrainError {
  constructor(
    override readonly code: BlobErrorCode,
    readonly sha256: string,
  ) {
    super(
      code,
      code === 'BLOB_NOT_FOUND' ? `no blob ${sha256}` : `the blob stored as ${sha256} has other bytes`,
    );
  }
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const SHA256_HEX = /^[0-9a-f]{64}$/;

function verified(sha256: string, bytes: Uint8Array | null): Buffer {
  if (!bytes) throw new BlobError('BLOB_NOT_FOUND', sha256);
  if (sha256Hex(bytes) !== sha256) throw new BlobError('BLOB_CORRUPT', sha256);
  return Buffer.from(bytes);
}

/** Blobs as rows of the coordinator's database (PostgreSQL or PGlite): the default. */
export function databaseBlobStore(prisma: PrismaClient): BlobStore {
  return {
    async put(bytes) {
      const sha256 = sha256Hex(bytes);
      await prisma.blob.createMany({
        data: [{ sha256, bytes: new Uint8Array(bytes), sizeBytes: bytes.length }],
        skipDuplicates: true,
      });
      return sha256;
    },
    async get(sha256) {
      const row = SHA256_HEX.test(sha256) ? await prisma.blob.findUnique({ where: { sha256 } }) : null;
      return verified(sha256, row?.bytes ?? null);
    },
  };
}

/** Blobs as files `<dir>/<first two hex digits>/<sha256>`, written whole (a temporary file, then rename). */
export function directoryBlobStore(dir: string): BlobStore {
  const fileOf = (sha256: string) => path.join(dir, sha256.slice(0, 2), sha256);
  return {
    async put(bytes) {
      const sha256 = sha256Hex(bytes);
      const file = fileOf(sha256);
      await mkdir(path.dirname(file), { recursive: true });
      // A name of its own per write: concurrent writers of the same bytes each rename a whole file into place.
      const partial = `${file}.${randomUUID()}.partial`;
      await writeFile(partial, bytes);
      await rename(partial, file);
      return sha256;
    },
    async get(sha256) {
      if (!SHA256_HEX.test(sha256)) return verified(sha256, null);
      const bytes = await readFile(fileOf(sha256)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      return verified(sha256, bytes);
    },
  };
}

const BlobEnv = z.object({
  /** A directory for blobs; unset: blobs are rows of the database. */
  L402_BLOB_DIR: z.string().min(1).optional(),
});

/** The store this deployment's processes share: `L402_BLOB_DIR` when set, else the database. */
export function blobStoreFor(prisma: PrismaClient, env: NodeJS.ProcessEnv = process.env): BlobStore {
  const dir = BlobEnv.parse(env).L402_BLOB_DIR;
  return dir ? directoryBlobStore(path.resolve(dir)) : databaseBlobStore(prisma);
}
