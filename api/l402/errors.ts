import { L402TrainError } from '../../lib/errors';

export const WWW_AUTHENTICATE = 'WWW-Authenticate';

/** The challenge a 402 carries: pay `invoice`, then present `macaroon` with the preimage. */
export interface L402Challenge {
  macaroon: string;
  invoice: string;
  paymentHash: string;
}

/**
 * 402 `PAYMENT_REQUIRED`. The error middleware must set every entry of `headers` (the
 * `WWW-Authenticate: L402 macaroon="…", invoice="…"` challenge) before rendering the body.
 */
export class L402PaymentRequiredError extends L402TrainError {
  readonly headers: Readonly<Record<string, string>>;

  constructor(readonly challenge: L402Challenge) {
    super(
      'PAYMENT_REQUIRED',
      'payment required',
      402,
      'Pay the invoice in the WWW-Authenticate header, then retry with `Authorization: L402 <macaroon>:<preimage hex>` ' +
        '(for a hold-invoice stake: once paid, retry with `Authorization: L402 <macaroon>` alone).',
    );
    this.headers = {
      [WWW_AUTHENTICATE]: `L402 macaroon="${challenge.macaroon}", invoice="${challenge.invoice}"`,
    };
  }
}

const NEW_CHALLENGE = 'Call again without an Authorization header to get a new challenge.';

const rejections = {
  L402_MALFORMED: {
    message: 'malformed L402 credentials',
    hint: `Send \`Authorization: L402 <base64 macaroon>:<64 hex preimage>\`. ${NEW_CHALLENGE}`,
  },
  L402_PREIMAGE_MISSING: {
    message: 'this route needs the payment preimage',
    hint: 'Pay the invoice from the challenge and send `Authorization: L402 <macaroon>:<preimage hex>`.',
  },
  L402_BAD_SIGNATURE: {
    message: 'macaroon signature does not verify',
    hint: `The macaroon was altered or not issued here. ${NEW_CHALLENGE}`,
  },
  L402_UNKNOWN_CAVEAT: {
    message: 'macaroon carries a caveat this server does not understand',
    hint: `Only add first-party caveats named services, <service>_capabilities or <service>_valid_until. ${NEW_CHALLENGE}`,
  },
  L402_CAVEAT_LOOSENED: {
    message: 'a caveat is less strict than an earlier one with the same condition',
    hint: 'Caveats may only tighten: a repeated condition must allow a subset (or an earlier expiry).',
  },
  L402_WRONG_PREIMAGE: {
    message: 'preimage does not match the payment hash of this macaroon',
    hint: "Send the preimage your wallet returned for this macaroon's invoice.",
  },
  L402_EXPIRED: { message: 'token has expired', hint: `${NEW_CHALLENGE} Then pay again.` },
  L402_WRONG_SERVICE: { message: 'token is not valid for this service', hint: NEW_CHALLENGE },
  L402_WRONG_CAPABILITY: { message: 'token is not valid for this route', hint: NEW_CHALLENGE },
  L402_TOKEN_REVOKED: { message: 'token is unknown or revoked', hint: NEW_CHALLENGE },
  L402_TOKEN_SPENT: {
    message: 'this pay-per-job token has already been used',
    hint: `Each job needs its own payment. ${NEW_CHALLENGE}`,
  },
  L402_NOT_PAID: {
    message: 'the hold invoice of this token is not paid and held',
    hint: 'Pay the hold invoice from the challenge (it stays locked, not spent), wait until your wallet shows it in flight, then retry.',
  },
  L402_WRONG_RESOURCE: {
    message: 'token was bought for another resource',
    hint: `A token opens only the resource it was bought for (e.g. one bounty). ${NEW_CHALLENGE}`,
    status: 403,
  },
  L402_WRONG_PRICE: {
    message: 'token paid less than this route charges now',
    hint: `The price went up since this token was bought. ${NEW_CHALLENGE}`,
    status: 403,
  },
  L402_WRONG_BODY: {
    message: 'token was priced for another request body',
    hint: 'A stake token authorises only the exact body it was asked for: send that body again, or call without an Authorization header to stake this one.',
    status: 403,
  },
} as const satisfies Record<string, { message: string; hint: string; status?: 401 | 403 }>;

export type L402RejectionCode = keyof typeof rejections;

/**
 * The request carried L402 credentials that do not authorise it: 401, or 403 for a genuine token
 * that was bought for something else (another resource, a lower price, another body).
 */
export class L402RejectedError extends L402TrainError {
  constructor(
    override readonly code: L402RejectionCode,
    detail?: string,
  ) {
    const rejection: { message: string; hint: string; status?: number } = rejections[code];
    super(
      code,
      detail ? `${rejection.message}: ${detail}` : rejection.message,
      rejection.status ?? 401,
      rejection.hint,
    );
  }
}

/** 500: the gate was configured or priced wrongly (a server bug, never the client's fault). */
export class L402ConfigError extends L402TrainError {
  constructor(message: string) {
    super('L402_CONFIG_INVALID', message, 500);
  }
}
