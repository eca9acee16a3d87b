import { L402TrainError } from '../../domain/l402-train-error';

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
    super('PAYMENT_REQUIRED', 'payment required');
    this.headers = {
      [WWW_AUTHENTICATE]: `L402 macaroon="${challenge.macaroon}", invoice="${challenge.invoice}"`,
    };
  }
}

/** What each refusal of presented credentials says; its status and hint are the catalogue's. */
const rejections = {
  L402_MALFORMED: 'malformed L402 credentials',
  L402_PREIMAGE_MISSING: 'this route needs the payment preimage',
  L402_BAD_SIGNATURE: 'macaroon signature does not verify',
  L402_UNKNOWN_CAVEAT: 'macaroon carries a caveat this server does not understand',
  L402_CAVEAT_LOOSENED: 'a caveat is less strict than an earlier one with the same condition',
  L402_WRONG_PREIMAGE: 'preimage does not match the payment hash of this macaroon',
  L402_EXPIRED: 'token has expired',
  L402_WRONG_SERVICE: 'token is not valid for this service',
  L402_WRONG_CAPABILITY: 'token is not valid for this route',
  L402_TOKEN_REVOKED: 'token is unknown or revoked',
  L402_TOKEN_SPENT: 'this pay-per-job token has already been used',
  L402_NOT_PAID: 'the hold invoice of this token is not paid and held',
  L402_WRONG_RESOURCE: 'token was bought for another resource',
  L402_WRONG_PRICE: 'token paid less than this route charges now',
  L402_WRONG_BODY: 'token was priced for another request body',
} as const satisfies Record<string, string>;

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
    super(code, detail ? `${rejections[code]}: ${detail}` : rejections[code]);
  }
}

/** 500: the gate was configured or priced wrongly (a server bug, never the client's fault). */
export class L402ConfigError extends L402TrainError {
  constructor(message: string) {
    super('L402_CONFIG_INVALID', message);
  }
}
