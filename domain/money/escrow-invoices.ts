import { MAX_CLTV_BLOCKS, MIN_SAFETY_MARGIN_BLOCKS } from './cltv';

/**
 * Blocks an escrow must be able to hold on top of its safety margin: an earner invoice whose CLTV delta leaves less
 * leaves no time to lock, decide and reveal. 6 blocks: about an hour of real blocks, half that at the pessimistic rate.
 */
export const MIN_HOLD_BLOCKS = 6;

/**
 * Seconds an earner invoice must stay payable after the check: locking pays every tranche right away, and a held
 * HTLC outlives its invoice's expiry, so the expiry only has to cover the lock.
 */
export const MIN_INVOICE_EXPIRY_SECONDS = 120;

/** Why the escrow refused the earner's invoices. Each ends the escrow as `invalid-invoices` before a sat moves. */
export type EscrowInvoiceCode =
  | 'ESCROW_INVOICE_COUNT'
  | 'ESCROW_INVOICE_UNDECODABLE'
  | 'ESCROW_INVOICE_DUPLICATE'
  | 'ESCROW_INVOICE_WRONG_NODE'
  | 'ESCROW_INVOICE_WRONG_HASH'
  | 'ESCROW_INVOICE_WRONG_AMOUNT'
  | 'ESCROW_INVOICE_CLTV_TOO_SMALL'
  | 'ESCROW_INVOICE_CLTV_TOO_LARGE'
  | 'ESCROW_INVOICE_EXPIRED'
  | 'ESCROW_INVOICE_UNKNOWN_FEATURE';

/** What the escrow agreed to: one invoice per tranche, each for its hash and sats, payable to the earner's node. */
export interface EscrowInvoiceTerms {
  earnerPublicKey: string;
  /** The escrow's hash per tranche, in tranche order. */
  paymentHashes: string[];
  trancheSats: number[];
  /** The hold's safety margin in blocks (at least {@link MIN_SAFETY_MARGIN_BLOCKS}). */
  safetyMarginBlocks: number;
  maxCltvDelta: number;
  /** The check's time, ms since epoch (passed in: this module reads no clock). */
  nowMs: number;
}

/** The fields of a decoded BOLT11 invoice the escrow relies on; null for one that does not decode. */
export interface InvoiceFacts {
  paymentHash: string;
  destination: string;
  /** The amount in millisatoshis, as a decimal string (a fraction of a sat is an amount too). */
  msats: string;
  cltvDelta: number;
  expiresAtMs: number;
  /** Feature bits the invoice marks required that our node does not know: a payment to it would fail. */
  unknownRequiredFeatures: number[];
}

export interface EscrowInvoiceRefusal {
  code: EscrowInvoiceCode;
  /** The offending tranche (null for the whole set). */
  tranche: number | null;
  detail: string;
}

/** The CLTV deltas an escrow accepts on an earner's invoice: enough for the margin and a hold, no more than the max. */
export function acceptedCltvDeltas(terms: Pick<EscrowInvoiceTerms, 'safetyMarginBlocks' | 'maxCltvDelta'>) {
  const margin = Math.max(terms.safetyMarginBlocks, MIN_SAFETY_MARGIN_BLOCKS);
  return { min: margin + MIN_HOLD_BLOCKS, max: Math.min(terms.maxCltvDelta, MAX_CLTV_BLOCKS) };
}

/**
 * The first reason to refuse an earner's invoices, or null when every one pays exactly its tranche to the earner.
 * The earner writes every byte of these invoices, so each field we pay by is checked, not only the ones we display.
 * Pure.
 *
 * @example refuseEscrowInvoices(terms, [facts0, null]) // { code: 'ESCROW_INVOICE_UNDECODABLE', tranche: 1, ... }
 */
export function refuseEscrowInvoices(
  terms: EscrowInvoiceTerms,
  invoices: (InvoiceFacts | null)[],
): EscrowInvoiceRefusal | null {
  const tranches = terms.trancheSats.length;
  if (invoices.length !== tranches || terms.paymentHashes.length !== tranches) {
    return {
      code: 'ESCROW_INVOICE_COUNT',
      tranche: null,
      detail: `expected one invoice per tranche (${tranches}), got ${invoices.length}`,
    };
  }
  const cltv = acceptedCltvDeltas(terms);
  const seen = new Map<string, number>();
  for (const [tranche, invoice] of invoices.entries()) {
    const refuse = (code: EscrowInvoiceCode, detail: string): EscrowInvoiceRefusal => ({
      code,
      tranche,
      detail: `invoice ${tranche} ${detail}`,
    });
    if (invoice === null)
      return refuse('ESCROW_INVOICE_UNDECODABLE', 'is not a BOLT11 invoice this node can decode');
    const earlier = seen.get(invoice.paymentHash);
    if (earlier !== undefined)
      return refuse('ESCROW_INVOICE_DUPLICATE', `repeats the hash of invoice ${earlier}`);
    seen.set(invoice.paymentHash, tranche);
    const sats = terms.trancheSats[tranche] as number;
    if (invoice.destination !== terms.earnerPublicKey) {
      return refuse('ESCROW_INVOICE_WRONG_NODE', 'pays a node other than the earner who submitted');
    }
    if (invoice.paymentHash !== terms.paymentHashes[tranche]) {
      return refuse('ESCROW_INVOICE_WRONG_HASH', 'is not for the escrow hash of its tranche');
    }
    if (invoice.msats !== `${sats * 1000}`) {
      return refuse('ESCROW_INVOICE_WRONG_AMOUNT', `asks ${invoice.msats} msats instead of ${sats * 1000}`);
    }
    if (invoice.cltvDelta < cltv.min) {
      return refuse(
        'ESCROW_INVOICE_CLTV_TOO_SMALL',
        `asks a CLTV delta of ${invoice.cltvDelta} blocks, below ${cltv.min} (safety margin and hold)`,
      );
    }
    if (invoice.cltvDelta > cltv.max) {
      return refuse(
        'ESCROW_INVOICE_CLTV_TOO_LARGE',
        `asks a CLTV delta of ${invoice.cltvDelta} blocks, above ${cltv.max}`,
      );
    }
    if (invoice.expiresAtMs < terms.nowMs + MIN_INVOICE_EXPIRY_SECONDS * 1000) {
      return refuse(
        'ESCROW_INVOICE_EXPIRED',
        `expires within ${MIN_INVOICE_EXPIRY_SECONDS} s (or has expired)`,
      );
    }
    if (invoice.unknownRequiredFeatures.length > 0) {
      return refuse(
        'ESCROW_INVOICE_UNKNOWN_FEATURE',
        `requires unknown feature bits ${invoice.unknownRequiredFeatures.join(', ')}`,
      );
    }
  }
  return null;
}
