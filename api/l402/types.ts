/**
 * What the L402 gate needs from the outside world, injected so the gate imports no LND or
 * database code (its stores' contracts are in db/stores.ts). Ids and hashes are lowercase hex strings.
 */

export interface InvoiceRequest {
  sats: number;
  memo: string;
  expirySeconds: number;
}

export interface IssuedInvoice {
  paymentHash: string;
  bolt11: string;
}

/** Plain invoices on our node (access fees, pay-per-job fees). */
export interface InvoiceIssuer {
  createInvoice(request: InvoiceRequest): Promise<IssuedInvoice>;
}

/**
 * Hold invoices on our node (submission stakes): the issuer picks the preimage, and the payer's
 * HTLC stays locked until a workflow settles (forfeits) or cancels (refunds) it.
 */
export interface HoldInvoiceIssuer {
  createHoldInvoice(request: InvoiceRequest): Promise<IssuedInvoice>;
  /** True while LND reports the invoice ACCEPTED (paid and held, neither settled nor cancelled). */
  isAccepted(paymentHash: string): Promise<boolean>;
}

/**
 * How a gate treats a paid token:
 * - `reusable`: plain access fee; the token is a bearer token, valid on this route until expiry
 *   (Aperture semantics). Proof: the preimage.
 * - `once`: pay-per-job; the preimage proves payment and the token is spent by its first
 *   successful request (per gate scope, see `TokenSpends` in db/stores.ts).
 * - `hold`: submission stake; the macaroon alone authenticates while its hold invoice is
 *   ACCEPTED, and the token is spent by its first successful request.
 */
export type L402Mode = 'reusable' | 'once' | 'hold';

/** What the gate answers once a request is authorised: the route's handler gets it. */
export interface VerifiedL402 {
  tokenId: string;
  paymentHash: string;
  service: string;
  capability: string;
  mode: L402Mode;
  /** Unix seconds: the token's tightest `<service>_valid_until` caveat. */
  expiresAt: number;
  /** The price the token paid (its `<service>_price_sats` caveat), at least the route's price now. */
  paidSats: number;
  /** The resource the token was bought for and this request is for, where the route names one. */
  resource?: string;
  /** The scheme the client used: `L402`, or the older `LSAT`. */
  scheme: 'L402' | 'LSAT';
}
