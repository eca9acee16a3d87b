import { log } from '@temporalio/workflow';
import { openHoldInvoice } from './hold-invoice';

export interface HoldInvoiceRoundTripInput {
  sats: number;
  /** What to do once the payment is held. */
  outcome: 'settle' | 'cancel';
  /** Cancel the invoice if nobody pays within this many seconds. */
  payWithinSeconds: number;
}

export interface HoldInvoiceRoundTripResult {
  paymentHash: string;
  finalState: 'SETTLED' | 'CANCELED';
  paid: boolean;
}

/**
 * The vertical slice: a hold invoice on the coordinator's node, paid by someone else, then settled or cancelled.
 * The cancel compensation stands from the moment the invoice exists, so no exit path leaves an HTLC held.
 */
export async function holdInvoiceRoundTrip(
  input: HoldInvoiceRoundTripInput,
): Promise<HoldInvoiceRoundTripResult> {
  const hold = await openHoldInvoice({
    sats: input.sats,
    memo: 'round trip',
    purpose: 'ROUND_TRIP',
    expiresInSeconds: input.payWithinSeconds,
  });
  const { paymentHash } = hold.invoice;
  try {
    const held = await hold.awaitHeld(input.payWithinSeconds);
    if (!held) {
      log.info('round trip not paid in time; cancelled', { paymentHash });
      return { paymentHash, finalState: 'CANCELED', paid: false };
    }
    if (input.outcome === 'settle') {
      await hold.settle();
      return { paymentHash, finalState: 'SETTLED', paid: true };
    }
    await hold.cancel();
    return { paymentHash, finalState: 'CANCELED', paid: true };
  } catch (err) {
    await hold.cancel();
    throw err;
  }
}
