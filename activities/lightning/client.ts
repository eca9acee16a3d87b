/** State of an invoice on its node. HELD: a hold invoice whose HTLCs are accepted but neither settled nor cancelled. */
export type InvoiceState = 'OPEN' | 'HELD' | 'SETTLED' | 'CANCELED';

export interface InvoiceStatus {
  paymentHash: string;
  bolt11: string;
  state: InvoiceState;
  sats: number;
  receivedSats: number;
  /** Lowest CLTV expiry height among the held HTLCs, when any are held. */
  heldUntilHeight?: number;
}

export interface HoldInvoiceRequest {
  paymentHash: string;
  sats: number;
  memo: string;
  expiresAt: Date;
  cltvDelta?: number;
}

export interface HoldInvoice {
  paymentHash: string;
  bolt11: string;
}

/** The coordinator's view of one Lightning node: the only Lightning surface activities see. */
export interface LightningClient {
  createHoldInvoice(request: HoldInvoiceRequest): Promise<HoldInvoice>;
  getInvoice(paymentHash: string): Promise<InvoiceStatus>;
  settleHoldInvoice(preimage: Buffer): Promise<void>;
  cancelHoldInvoice(paymentHash: string): Promise<void>;
  /**
   * Resolves with the first status (the current one included) for which `until` holds. The subscription is
   * closed when it resolves, rejects, or `signal` aborts.
   */
  watchInvoice(
    paymentHash: string,
    until: (status: InvoiceStatus) => boolean,
    signal?: AbortSignal,
  ): Promise<InvoiceStatus>;
  blockHeight(): Promise<number>;
}
