import {
  cancelHodlInvoice,
  createHodlInvoice,
  getInvoice,
  settleHodlInvoice,
  subscribeToInvoice,
} from 'ln-service';
import type { AuthenticatedLnd, SubscribeToInvoiceInvoiceUpdatedEvent } from 'ln-service';

export interface RevealedPreimage {
  paymentHash: string;
  preimage: string;
}

/**
 * Resolves once the invoice is held on this node or has ended, or once `withinMs` has passed (LND reports the
 * invoice's current state first, so an HTLC held before the call is seen at once).
 */
function heldOrEnded(lnd: AuthenticatedLnd, id: string, withinMs: number): Promise<void> {
  return new Promise((resolve) => {
    const subscription = subscribeToInvoice({ lnd, id });
    const stop = () => {
      clearTimeout(timer);
      // Removing the last update listener ends the stream; its late errors are swallowed.
      subscription.removeAllListeners();
      subscription.on('error', () => {});
      resolve();
    };
    const timer = setTimeout(stop, withinMs);
    subscription.on('invoice_updated', (invoice: SubscribeToInvoiceInvoiceUpdatedEvent) => {
      if (invoice.is_held || invoice.is_confirmed || invoice.is_canceled) stop();
    });
    subscription.on('error', stop);
  });
}

/**
 * The earner's side of a reward escrow, on the earner's own node: hold invoices for the coordinator's hashes,
 * settled with the preimages the coordinator reveals, cancelled for the rest. Every step is safe to repeat.
 */
export function escrowEarner(lnd: AuthenticatedLnd) {
  return {
    async createInvoices(
      paymentHashes: string[],
      trancheSats: number[],
      options: { cltvDelta: number; expiresInSeconds: number; memo?: string },
    ): Promise<string[]> {
      const expiresAt = new Date(Date.now() + options.expiresInSeconds * 1000).toISOString();
      return Promise.all(
        paymentHashes.map(async (id, tranche) => {
          const invoice = await createHodlInvoice({
            lnd,
            id,
            tokens: trancheSats[tranche] as number,
            cltv_delta: options.cltvDelta,
            expires_at: expiresAt,
            description: options.memo ?? `l402-train escrow tranche ${tranche}`,
          });
          return invoice.request;
        }),
      );
    },

    async heldCount(paymentHashes: string[]): Promise<number> {
      const invoices = await Promise.all(paymentHashes.map((id) => getInvoice({ lnd, id })));
      return invoices.filter((invoice) => invoice.is_held).length;
    },

    /**
     * Settles the revealed tranches and cancels every other one. The coordinator counts a tranche locked once its
     * payment is in flight, which can be a moment before the HTLC reaches this node: a revealed tranche is settled
     * once it is held here, waiting up to `heldWithinMs` for it.
     */
    async resolve(
      paymentHashes: string[],
      revealed: RevealedPreimage[],
      heldWithinMs = 60_000,
    ): Promise<void> {
      const preimages = new Map(revealed.map((entry) => [entry.paymentHash, entry.preimage]));
      await Promise.all(
        paymentHashes.map(async (id) => {
          const preimage = preimages.get(id);
          if (preimage) await heldOrEnded(lnd, id, heldWithinMs);
          const invoice = await getInvoice({ lnd, id });
          if (invoice.is_confirmed || invoice.is_canceled) return;
          if (preimage) await settleHodlInvoice({ lnd, secret: preimage });
          else await cancelHodlInvoice({ lnd, id });
        }),
      );
    },
  };
}
