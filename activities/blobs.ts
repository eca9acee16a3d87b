import type { BlobStore } from '../db/blobs';
import { BlobError } from '../db/blobs';
import { permanentFailure } from './errors';

/** A blob's bytes for an activity: a missing or altered blob is a permanent failure with its code, not a retry. */
export async function readBlob(blobs: BlobStore, sha256: string): Promise<Buffer> {
  try {
    return await blobs.get(sha256);
  } catch (err) {
    if (err instanceof BlobError) throw permanentFailure(err.code, err.message);
    throw err;
  }
}
