import { randomBytes } from 'node:crypto';

import { importMacaroon, newMacaroon, type Macaroon } from 'macaroon';

import { exportMacaroonBinary } from './binary';
import { caveatsFor, verifyCaveats, type CaveatCheck, type TokenScope } from './caveats';
import { L402RejectedError } from './errors';
import { decodeIdentifier, encodeIdentifier, type TokenIdentifier } from './identifier';
import type { RootKeyStore } from '../../db/stores';

const LOCATION = 'l402-train';
const MAX_MACAROON_BYTES = 4096;

export interface MintedToken {
  /** Binary v2 macaroon in standard base64, as it travels in headers. */
  macaroon: string;
  tokenId: string;
}

/**
 * Mints a macaroon bound to `paymentHash` under a fresh token id and a fresh root key.
 *
 * @example
 * const { macaroon } = await mintToken(rootKeys, paymentHash,
 *   { service: 'bounty', tier: 0, capability: 'baseline', validUntil: nowSeconds + 3600, resource: bountyId, priceSats: 5 });
 */
export async function mintToken(
  rootKeys: RootKeyStore,
  paymentHash: string,
  scope: TokenScope,
): Promise<MintedToken> {
  const tokenId = randomBytes(32).toString('hex');
  const rootKey = await rootKeys.create(tokenId);
  const macaroon = newMacaroon({
    identifier: encodeIdentifier({ paymentHash, tokenId }),
    location: LOCATION,
    rootKey: new Uint8Array(rootKey),
    version: 2,
  });
  for (const caveat of caveatsFor(scope)) {
    macaroon.addFirstPartyCaveat(caveat);
  }
  return { macaroon: encodeMacaroon(macaroon), tokenId };
}

export function encodeMacaroon(macaroon: Macaroon): string {
  return Buffer.from(exportMacaroonBinary(macaroon)).toString('base64');
}

/** @throws L402RejectedError L402_MALFORMED unless `encoded` is a base64 (standard or URL-safe) binary v2 macaroon */
export function decodeMacaroon(encoded: string): Macaroon {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length === 0 || bytes.length > MAX_MACAROON_BYTES) {
    throw new L402RejectedError('L402_MALFORMED', 'macaroon is empty or too large');
  }
  try {
    return importMacaroon(new Uint8Array(bytes));
  } catch {
    throw new L402RejectedError('L402_MALFORMED', 'not a binary macaroon');
  }
}

export interface VerifiedToken extends TokenIdentifier {
  /** Unix seconds. */
  expiresAt: number;
  /** The price the token paid, as its caveats name it. */
  paidSats: number;
}

/**
 * Verifies a macaroon: identifier layout, live root key, signature chain, then every caveat
 * against the request. Proof of payment is the caller's next step.
 *
 * @throws L402RejectedError L402_MALFORMED, L402_TOKEN_REVOKED, L402_BAD_SIGNATURE or a caveat code
 */
export async function verifyToken(
  encoded: string,
  rootKeys: RootKeyStore,
  check: CaveatCheck,
): Promise<VerifiedToken> {
  const macaroon = decodeMacaroon(encoded);
  const identifier = decodeIdentifier(macaroon.identifier);
  if (macaroon.caveats.some((caveat) => caveat.vid !== undefined)) {
    throw new L402RejectedError('L402_UNKNOWN_CAVEAT', 'third-party caveats are not supported');
  }
  const rootKey = await rootKeys.get(identifier.tokenId);
  if (!rootKey) {
    throw new L402RejectedError('L402_TOKEN_REVOKED');
  }
  try {
    // Caveats are checked below, one by one, so each failure gets its own code.
    macaroon.verify(new Uint8Array(rootKey), () => null);
  } catch {
    throw new L402RejectedError('L402_BAD_SIGNATURE');
  }
  const conditions = macaroon.caveats.map((caveat) => Buffer.from(caveat.identifier).toString('utf8'));
  return { ...identifier, ...verifyCaveats(conditions, check) };
}
