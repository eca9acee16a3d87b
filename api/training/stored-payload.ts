import { sha256Hex } from '../../db/blobs';
import { wireParameters } from '../../kernels/wire-parameters';
import type { StoredPayload } from '../../workflows/training-definitions';

/** How a round's workflows carry a payload's bytes: their hash, and what the round's door checks, read from them. */
export const storedPayloadOf = (bytes: Uint8Array): StoredPayload => ({
  sha256: sha256Hex(bytes),
  sizeBytes: bytes.length,
  declared: wireParameters(bytes),
});
