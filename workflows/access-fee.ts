import { CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ACTIVITY_PROFILES } from '../temporal-config';
import { invoicePublisher } from './hold-invoice';

const lightning = proxyActivities<Activities>(ACTIVITY_PROFILES.lightning);
const watch = proxyActivities<Activities>(ACTIVITY_PROFILES.invoiceWatch);

/** LND cancels an expired invoice on its own; give it this long past expiry before the final lookup. */
const EXPIRY_GRACE_SECONDS = 30;

export interface AccessFeeInput {
  sats: number;
  memo: string;
  expiresInSeconds: number;
}

export interface AccessFeeResult {
  paymentHash: string;
  state: 'SETTLED' | 'CANCELED' | 'OPEN' | 'HELD';
}

/** An L402 access fee: a plain invoice, followed until it is paid or expires, with its end in the ledger. */
export async function accessFee(input: AccessFeeInput): Promise<AccessFeeResult> {
  const { workflowId } = workflowInfo();
  const publish = invoicePublisher();
  const invoice = await lightning.openPlainInvoice({
    escrowId: workflowId,
    slot: 0,
    workflowId,
    purpose: 'ACCESS_FEE',
    sats: input.sats,
    memo: input.memo,
    expiresInSeconds: input.expiresInSeconds,
  });
  publish(invoice);
  await CancellationScope.withTimeout(`${input.expiresInSeconds + EXPIRY_GRACE_SECONDS} s`, () =>
    watch.awaitInvoiceState({ paymentHash: invoice.paymentHash, until: 'final' }),
  ).catch(() => null);
  const state = await lightning.recordInvoiceOutcome({ paymentHash: invoice.paymentHash });
  return { paymentHash: invoice.paymentHash, state };
}
