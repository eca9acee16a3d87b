import { L402RejectedError } from './errors';

const IDENTIFIER_VERSION = 0;
const HASH_BYTES = 32;
const TOKEN_ID_BYTES = 32;
const IDENTIFIER_BYTES = 2 + HASH_BYTES + TOKEN_ID_BYTES;

/** The macaroon identifier (Aperture layout): binds the token id and the payment hash into the signature. */
export interface TokenIdentifier {
  paymentHash: string;
  tokenId: string;
}

/**
 * Encodes `u16be(version = 0) ‖ payment hash (32 bytes) ‖ token id (32 bytes)`.
 *
 * @example encodeIdentifier({ paymentHash: 'ab'.repeat(32), tokenId: 'cd'.repeat(32) }).length // 66
 */
export function encodeIdentifier({ paymentHash, tokenId }: TokenIdentifier): Uint8Array {
  const hash = Buffer.from(paymentHash, 'hex');
  const id = Buffer.from(tokenId, 'hex');
  if (hash.length !== HASH_BYTES || id.length !== TOKEN_ID_BYTES) {
    throw new RangeError('payment hash and token id must be 32 bytes of hex each');
  }
  const version = Buffer.alloc(2);
  version.writeUInt16BE(IDENTIFIER_VERSION);
  return new Uint8Array(Buffer.concat([version, hash, id]));
}

/** @throws L402RejectedError L402_MALFORMED unless the identifier is a version-0, 66-byte Aperture identifier */
export function decodeIdentifier(identifier: Uint8Array): TokenIdentifier {
  const bytes = Buffer.from(identifier);
  if (bytes.length !== IDENTIFIER_BYTES || bytes.readUInt16BE(0) !== IDENTIFIER_VERSION) {
    throw new L402RejectedError('L402_MALFORMED', 'unsupported macaroon identifier');
  }
  return {
    paymentHash: bytes.subarray(2, 2 + HASH_BYTES).toString('hex'),
    tokenId: bytes.subarray(2 + HASH_BYTES).toString('hex'),
  };
}
