import { z } from 'zod';
import type { BlobStore } from '../db/blobs';
import { canonicalJson } from '../domain/canonical-json';

const FilesBlob = z.record(z.string(), z.string());

/** A set of files (a bounty's baseline) as one blob: their canonical JSON, so the same files give one hash. */
export function storeFiles(blobs: BlobStore, files: Record<string, string>): Promise<string> {
  return blobs.put(Buffer.from(canonicalJson(files), 'utf8'));
}

/** The files a {@link storeFiles} blob holds. */
export const filesOfBlob = (bytes: Buffer): Record<string, string> =>
  FilesBlob.parse(JSON.parse(bytes.toString('utf8')));

/** The files stored by {@link storeFiles} under `sha256`, checked like every blob read. */
export async function readFiles(blobs: BlobStore, sha256: string): Promise<Record<string, string>> {
  return filesOfBlob(await blobs.get(sha256));
}
