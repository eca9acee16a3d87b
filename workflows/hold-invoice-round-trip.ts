import { CancellationScope, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ACTIVITY_PROFILES } from '../temporal-config';
import type { InvoiceView } from './definitions';
import { invoiceQuery } from './definitions';

const lightning = proxyActivities<Activities>(ACTIVITY_PROFILES.lightning);
const watch = proxyActivities<Activities>(ACTIVITY_PROFILES.invoiceWatch);

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
  const { workflowId } = workflowInfo();
  let invoice: InvoiceView | null = null;
  setHandler(invoiceQuery, () => invoice);

  const opened = await lightning.openHoldInvoice({
    escrowId: workflowId,
    slot: 0,
    sats: input.sats,
    memo: `round trip ${workflowId}`,
    purpose: 'ROUND_TRIP',
    workflowId,
    expiresInSeconds: input.payWithinSeconds,
  });
  invoice = opened;
  const cancel = () =>
    CancellationScope.nonCancellable(() => lightning.cancelHoldInvoice({ paymentHash: opened.paymentHash }));

  try {
    const paid = await CancellationScope.withTimeout(`${input.payWithinSeconds} s`, () =>
      watch.awaitInvoicePaid({ paymentHash: opened.paymentHash }),
    ).catch((err: unknown) => {
      if (CancellationScope.current().consideredCancelled) throw err;
      return null;
    });
    if (!paid || paid.state !== 'HELD') {
      log.info('round trip not paid in time; cancelling', { paymentHash: opened.paymentHash });
      await cancel();
      return { paymentHash: opened.paymentHash, finalState: 'CANCELED', paid: false };
    }
    if (input.outcome === 'settle') {
      await lightning.settleHoldInvoice({ escrowId: workflowId, slot: 0, paymentHash: opened.paymentHash });
      return { paymentHash: opened.paymentHash, finalState: 'SETTLED', paid: true };
    }
    await cancel();
    return { paymentHash: opened.paymentHash, finalState: 'CANCELED', paid: true };
  } catch (err) {
    await cancel();
    throw err;
  }
}
