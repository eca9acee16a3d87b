import { BlobError } from '../../db/blobs';

/** What a read gives, or null when its blob is missing or no longer hashes to its id (the audit's finding). */
export async function unlessAltered<T>(read: Promise<T>): Promise<T | null> {
  return read.catch((err: unknown) => {
    if (err instanceof BlobError) return null;
    throw err;
  });
}
