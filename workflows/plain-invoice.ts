import { CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ACTIVITY_PROFILES } from '../temporal-config';
import type { InvoiceView } from './definitions';

const lightning = proxyActivities<Activities>(ACTIVITY_PROFILES.lightning);
const watch = proxyActivities<Activities>(ACTIVITY_PROFILES.invoiceWatch);

/** LND cancels an expired invoice on its own; give it this long past expiry before the final lookup. */
const EXPIRY_GRACE_SECONDS = 30;

export interface PlainInvoice {
  invoice: InvoiceView;
  /** Follows the invoice until it is paid or has expired, and records its end in the ledger. */
  outcome(): Promise<Awaited<ReturnType<Activities['recordInvoiceOutcome']>>>;
}

/**
 * A plain invoice on the coordinator's node (an access fee, a bounty's funding), owned by this workflow and handed
 * to `publish` for the API's awaitInvoice update.
 */
export async function openPlainInvoice(
  publish: (invoice: InvoiceView) => void,
  input: { purpose: 'ACCESS_FEE' | 'BOUNTY_FUNDING'; sats: number; memo: string; expiresInSeconds: number },
): Promise<PlainInvoice> {
  const { workflowId } = workflowInfo();
  const invoice = await lightning.openPlainInvoice({ escrowId: workflowId, slot: 0, workflowId, ...input });
  publish(invoice);
  return {
    invoice,
    async outcome() {
      await CancellationScope.withTimeout(`${input.expiresInSeconds + EXPIRY_GRACE_SECONDS} s`, () =>
        watch.awaitInvoiceState({ paymentHash: invoice.paymentHash, until: 'final' }),
      ).catch(() => null);
      return lightning.recordInvoiceOutcome({ paymentHash: invoice.paymentHash });
    },
  };
}
