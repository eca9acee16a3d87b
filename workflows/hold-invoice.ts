import {
  CancellationScope,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PaymentPurpose } from '../db/repos/ledger';
import { ACTIVITY_PROFILES } from '../temporal-config';
import type { InvoiceView } from './definitions';
import { invoiceQuery, invoiceUpdate } from './definitions';

const lightning = proxyActivities<Activities>(ACTIVITY_PROFILES.lightning);
const watch = proxyActivities<Activities>(ACTIVITY_PROFILES.invoiceWatch);

export interface HeldInvoice {
  paymentHash: string;
  /** CLTV expiry height of the held HTLC (the lowest, if several). */
  heldUntilHeight: number;
}

export interface HoldInvoiceSteps {
  /** Resolves with the held invoice, or null when nobody paid in time (the invoice is then cancelled). */
  awaitHeld(payWithinSeconds: number): Promise<HeldInvoice | null>;
  settle(): Promise<void>;
  cancel(): Promise<void>;
}

/** Answers `invoiceQuery` and `invoiceUpdate` with the invoice once `publish` is called. */
export function invoicePublisher(): (invoice: InvoiceView) => void {
  let view: InvoiceView | null = null;
  setHandler(invoiceQuery, () => view);
  setHandler(invoiceUpdate, async () => {
    await condition(() => view !== null);
    return view as InvoiceView;
  });
  return (invoice) => {
    view = invoice;
  };
}

/**
 * Opens a hold invoice on the coordinator's node (preimage derived in an activity, keyed by this workflow) and
 * answers `invoiceQuery` with it. The returned steps wrap the rest of its life.
 */
export async function openHoldInvoice(input: {
  sats: number;
  memo: string;
  purpose: PaymentPurpose;
  expiresInSeconds: number;
  cltvDelta?: number;
}): Promise<HoldInvoiceSteps & { invoice: InvoiceView }> {
  const { workflowId } = workflowInfo();
  const publish = invoicePublisher();
  const invoice = await lightning.openHoldInvoice({ escrowId: workflowId, slot: 0, workflowId, ...input });
  publish(invoice);
  const cancel = async () => {
    await CancellationScope.nonCancellable(() =>
      lightning.cancelHoldInvoice({ paymentHash: invoice.paymentHash }),
    );
  };
  return {
    invoice,
    cancel,
    settle: async () => {
      await lightning.settleHoldInvoice({ escrowId: workflowId, slot: 0, paymentHash: invoice.paymentHash });
    },
    awaitHeld: async (payWithinSeconds) => {
      const paid = await CancellationScope.withTimeout(`${payWithinSeconds} s`, () =>
        watch.awaitInvoiceState({ paymentHash: invoice.paymentHash, until: 'paid' }),
      ).catch((err: unknown) => {
        if (CancellationScope.current().consideredCancelled) throw err;
        return null;
      });
      if (paid?.state === 'HELD' && paid.heldUntilHeight !== undefined) {
        return { paymentHash: invoice.paymentHash, heldUntilHeight: paid.heldUntilHeight };
      }
      await cancel();
      return null;
    },
  };
}

/**
 * Runs `work` after a deadline watcher was started; whichever ends first wins and the watcher is stopped.
 * Resolves with `work`'s value, or `undefined` when the chain reached `height` first.
 */
export async function beforeHeight<T>(height: number, work: () => Promise<T>): Promise<T | undefined> {
  const scope = new CancellationScope();
  const deadline = scope
    .run(() => watch.awaitBlockHeight({ height }))
    .then(
      () => undefined,
      () => undefined,
    );
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    scope.cancel();
  }
}
