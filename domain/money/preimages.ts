import { createHash, createHmac } from 'node:crypto';

import { L402TrainError } from '../l402-train-error';

/** Domain-separation label: a preimage derived for anything else can never collide with an escrow one. */
const ESCROW_PREIMAGE_LABEL = Buffer.from('l402-train/escrow-preimage/v1\0', 'utf8');

/** Tranche indexes are encoded as 32-bit unsigned integers. */
const MAX_TRANCHE_INDEX = 0xffff_ffff;

/** The coordinator secret must carry at least 256 bits. */
export const MIN_PREIMAGE_SECRET_BYTES = 32;

export class PreimageInputError extends L402TrainError {
  constructor(message: string) {
    super('PREIMAGE_INPUT_INVALID', message);
  }
}

/**
 * The escrow preimage of one tranche of one submission:
 *
 *     HMAC-SHA256(secret, label ‖ u32be(len(id)) ‖ utf8(id) ‖ u32be(tranche))
 *
 * The length prefix makes the encoding unambiguous (no `("ab", 1)` / `("a", …)` collisions)
 * and the label separates it from any other use of the secret. Deterministic, so an activity
 * retried after a crash derives the same preimage and workflow history needs only the hash.
 *
 * @example derivePreimage(secret, 'sub_01HZ…', 0).length // 32
 * @throws PreimageInputError for a short secret, an empty id or a tranche outside 0..2³²-1
 */
export function derivePreimage(secret: Buffer, submissionId: string, tranche: number): Buffer {
  if (secret.length < MIN_PREIMAGE_SECRET_BYTES) {
    throw new PreimageInputError(`the preimage secret must be at least ${MIN_PREIMAGE_SECRET_BYTES} bytes`);
  }
  const id = Buffer.from(submissionId, 'utf8');
  if (id.length === 0) {
    throw new PreimageInputError('submissionId must be a non-empty string');
  }
  if (!Number.isSafeInteger(tranche) || tranche < 0 || tranche > MAX_TRANCHE_INDEX) {
    throw new PreimageInputError(`tranche must be an integer from 0 to ${MAX_TRANCHE_INDEX}, got ${tranche}`);
  }
  const idLength = Buffer.alloc(4);
  idLength.writeUInt32BE(id.length);
  const trancheIndex = Buffer.alloc(4);
  trancheIndex.writeUInt32BE(tranche);
  return createHmac('sha256', secret)
    .update(Buffer.concat([ESCROW_PREIMAGE_LABEL, idLength, id, trancheIndex]))
    .digest();
}

/**
 * The Lightning payment hash of a preimage: `sha256(preimage)`.
 *
 * @example paymentHashOf(Buffer.alloc(32)).toString('hex') // '66687aad…f925'
 */
export function paymentHashOf(preimage: Buffer): Buffer {
  return createHash('sha256').update(preimage).digest();
}
