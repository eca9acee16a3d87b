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

export interface PlainInvoiceRequest {
  preimage: Buffer;
  sats: number;
  memo: string;
  expiresAt: Date;
}

export interface HoldInvoice {
  paymentHash: string;
  bolt11: string;
}

export interface DecodedInvoice {
  paymentHash: string;
  sats: number;
  destination: string;
  cltvDelta: number;
  expiresAt: Date;
  /** The exact amount in millisatoshis, as a decimal string (`sats` rounds a fraction of a sat down). */
  msats: string;
  /** Feature bits the invoice requires that this node does not know. */
  unknownRequiredFeatures: number[];
}

/** An outgoing payment as LND reports it. IN_FLIGHT: HTLCs locked, not yet settled or failed downstream. */
export type PaymentState = 'IN_FLIGHT' | 'SUCCEEDED' | 'FAILED';

export interface PaymentStatus {
  paymentHash: string;
  state: PaymentState;
  feeSats: number;
  /** What reached the payee, once the payment succeeded (LND's own figure, not ours). */
  deliveredSats?: number;
  /** Highest CLTV expiry height among the payment's HTLCs, once LND knows the route. */
  timeoutHeight?: number;
}

/** A time window on the node, both ends included. */
export interface NodeWindow {
  after: Date;
  before: Date;
}

/** One outgoing payment the node made (succeeded or still in flight) in a window. */
export interface PaymentRecord {
  paymentHash: string;
  state: 'SUCCEEDED' | 'IN_FLIGHT';
  sats: number;
  feeSats: number;
  destination: string;
  createdAt: Date;
}

/** One invoice the node created in a window, whatever its state. */
export interface InvoiceRecord {
  paymentHash: string;
  state: InvoiceState;
  sats: number;
  receivedSats: number;
  description: string;
  createdAt: Date;
}

export interface PayOptions {
  maxFeeSats: number;
  /** LND refuses routes whose HTLC expiry would be above this height. */
  maxTimeoutHeight: number;
}

/** The coordinator's view of one Lightning node: the only Lightning surface activities see. */
export interface LightningClient {
  createHoldInvoice(request: HoldInvoiceRequest): Promise<HoldInvoice>;
  /** A plain invoice for a preimage we chose, so a retried creation finds the same invoice. */
  createInvoice(request: PlainInvoiceRequest): Promise<HoldInvoice>;
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
  decodeInvoice(bolt11: string): Promise<DecodedInvoice>;
  /** Sends the payment and resolves once its HTLCs are locked in flight (or it already ended). */
  startPayment(bolt11: string, options: PayOptions): Promise<PaymentStatus>;
  /** The payment for this hash, or null when this node never tried to pay it. */
  getPayment(paymentHash: string): Promise<PaymentStatus | null>;
  /**
   * Pays `sats` to a node by keysend with a preimage we chose, so a retry finds the same payment; resolves once
   * the payment has succeeded or failed.
   */
  keysend(request: KeysendRequest): Promise<PaymentStatus>;
  blockHeight(): Promise<number>;
  /** Every payment created in the window that succeeded or is in flight (failed ones moved nothing), all pages. */
  listPayments(window: NodeWindow): Promise<PaymentRecord[]>;
  /** Every invoice created in the window, all pages. */
  listInvoices(window: NodeWindow): Promise<InvoiceRecord[]>;
}

export interface KeysendRequest {
  destination: string;
  sats: number;
  preimage: Buffer;
  maxFeeSats: number;
}
