import { z } from 'zod';

import { L402RejectedError } from './errors';

const MAX_HEADER_CHARS = 8192;

/** The L402 part of an `Authorization` header; `preimage` is absent for hold-invoice stakes. */
export interface L402Credentials {
  scheme: 'L402' | 'LSAT';
  macaroon: string;
  preimage?: Buffer;
}

const credentialsSchema = z
  .string()
  .max(MAX_HEADER_CHARS)
  .regex(/^(?:L402|LSAT) +[A-Za-z0-9+/_-]+={0,2}(?::[0-9a-fA-F]{64})?$/i)
  .transform((header): L402Credentials => {
    const [scheme = '', token = ''] = header.split(/ +/);
    const [macaroon = '', preimage] = token.split(':');
    return {
      scheme: scheme.toUpperCase() === 'LSAT' ? 'LSAT' : 'L402',
      macaroon,
      ...(preimage === undefined ? {} : { preimage: Buffer.from(preimage, 'hex') }),
    };
  });

/**
 * Parses `Authorization: L402 <macaroon>[:<preimage hex>]` (or the older `LSAT` scheme name).
 * Returns null when the request carries no L402 credentials at all (no header, or another
 * scheme): the caller answers with a challenge.
 *
 * @example parseAuthorization('LSAT AgEE…:9f86…') // { scheme: 'LSAT', macaroon: 'AgEE…', preimage: <Buffer 9f 86 …> }
 * @throws L402RejectedError L402_MALFORMED for an L402/LSAT header that does not parse
 */
export function parseAuthorization(header: string | undefined): L402Credentials | null {
  if (header === undefined || !/^(?:L402|LSAT)(?: |$)/i.test(header.trim())) {
    return null;
  }
  const parsed = credentialsSchema.safeParse(header.trim());
  if (!parsed.success) {
    throw new L402RejectedError('L402_MALFORMED');
  }
  return parsed.data;
}
