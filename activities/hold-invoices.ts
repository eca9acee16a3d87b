import { Context } from '@temporalio/activity';
import { derivePreimage, paymentHashOf } from '../domain/money/preimages';
import type { LedgerRepository, PaymentPurpose } from '../db/repos/ledger';
import { WATCH_HEARTBEAT_MS } from '../temporal-config';
import type { InvoiceState, InvoiceStatus, LightningClient } from './lightning/client';
import { LightningError } from './lightning/errors';

export interface HoldInvoiceDeps {
  lightning: LightningClient;
  ledger: LedgerRepository;
  /** Coordinator secret every preimage is derived from; never leaves the activities. */
  preimageSecret: Buffer;
}

export interface OpenHoldInvoiceInput {
  /** Unique per escrow (the owning workflow id, or a submission id); with `slot` it determines the preimage. */
  escrowId: string;
  slot: number;
  sats: number;
  memo: string;
  purpose: PaymentPurpose;
  workflowId: string;
  expiresInSeconds: number;
  cltvDelta?: number;
}

export interface OpenedHoldInvoice {
  paymentHash: string;
  bolt11: string;
}

/** Invoices on the coordinator's node whose preimage the coordinator derives: stakes, funding, round trips. */
export function holdInvoiceActivities({ lightning, ledger, preimageSecret }: HoldInvoiceDeps) {
  const preimageFor = (escrowId: string, slot: number) => derivePreimage(preimageSecret, escrowId, slot);

  async function currentStatus(paymentHash: string): Promise<InvoiceStatus> {
    return lightning.getInvoice(paymentHash);
  }

  /**
   * Writes the ledger row (the intent) first, then creates the invoice for the derived preimage; after a crash the
   * retry finds LND's invoice for the same hash and returns it.
   */
  async function openInvoice(
    input: OpenHoldInvoiceInput,
    create: (preimage: Buffer, expiresAt: Date) => Promise<OpenedHoldInvoice>,
  ): Promise<OpenedHoldInvoice> {
    const preimage = preimageFor(input.escrowId, input.slot);
    const paymentHash = paymentHashOf(preimage).toString('hex');
    await ledger.record({
      paymentHash,
      direction: 'INCOMING',
      purpose: input.purpose,
      amountSats: BigInt(input.sats),
      state: 'OPEN',
      workflowId: input.workflowId,
      memo: input.memo,
    });
    try {
      return await create(preimage, new Date(Date.now() + input.expiresInSeconds * 1000));
    } catch (err) {
      if (err instanceof LightningError && err.code === 'INVOICE_ALREADY_EXISTS') {
        return { paymentHash, bolt11: (await currentStatus(paymentHash)).bolt11 };
      }
      throw err;
    }
  }

  return {
    /** Idempotent: a retry after a crash finds the invoice LND already has and returns it. */
    openHoldInvoice(input: OpenHoldInvoiceInput): Promise<OpenedHoldInvoice> {
      return openInvoice(input, (preimage, expiresAt) =>
        lightning.createHoldInvoice({
          paymentHash: paymentHashOf(preimage).toString('hex'),
          sats: input.sats,
          memo: input.memo,
          expiresAt,
          ...(input.cltvDelta === undefined ? {} : { cltvDelta: input.cltvDelta }),
        }),
      );
    },

    /** A plain invoice (access fees, bounty funding) for a derived preimage; idempotent like the hold one. */
    openPlainInvoice(input: OpenHoldInvoiceInput): Promise<OpenedHoldInvoice> {
      return openInvoice(input, (preimage, expiresAt) =>
        lightning.createInvoice({ preimage, sats: input.sats, memo: input.memo, expiresAt }),
      );
    },

    /** Records a plain invoice's end: SETTLED once paid, CANCELED once LND expired it. */
    async recordInvoiceOutcome(input: { paymentHash: string }): Promise<InvoiceState> {
      const status = await currentStatus(input.paymentHash);
      if (status.state === 'SETTLED' || status.state === 'CANCELED') {
        await ledger.markState(input.paymentHash, 'INCOMING', status.state);
      }
      return status.state;
    },

    /**
     * Waits until the invoice is paid (held or settled) or, with `until: 'final'`, settled or cancelled.
     * A per-invoice subscription (which sends the current state first) plus a lookup at every heartbeat, so
     * neither a missed event nor an LND reconnect goes unnoticed; a broken subscription fails the attempt and
     * Temporal's retry subscribes again.
     */
    async awaitInvoiceState(input: { paymentHash: string; until: 'paid' | 'final' }): Promise<InvoiceStatus> {
      const context = Context.current();
      const reached = (status: InvoiceStatus) =>
        input.until === 'paid'
          ? status.state !== 'OPEN'
          : status.state === 'SETTLED' || status.state === 'CANCELED';
      const stop = new AbortController();
      context.cancellationSignal.addEventListener('abort', () =>
        stop.abort(context.cancellationSignal.reason),
      );
      const lookups = (async () => {
        while (!stop.signal.aborted) {
          await new Promise((resolve) => setTimeout(resolve, WATCH_HEARTBEAT_MS));
          context.heartbeat();
          const status = await currentStatus(input.paymentHash);
          if (reached(status)) return status;
        }
        throw stop.signal.reason;
      })();
      try {
        const status = await Promise.race([
          lightning.watchInvoice(input.paymentHash, reached, stop.signal),
          lookups,
        ]);
        if (status.state === 'HELD') await ledger.markState(input.paymentHash, 'INCOMING', 'HELD');
        return status;
      } finally {
        stop.abort(new Error('done'));
        lookups.catch(() => undefined);
      }
    },

    /** Reveals the derived preimage to settle; a no-op when LND already reports SETTLED. */
    async settleHoldInvoice(input: {
      escrowId: string;
      slot: number;
      paymentHash: string;
    }): Promise<InvoiceState> {
      const preimage = preimageFor(input.escrowId, input.slot);
      if (paymentHashOf(preimage).toString('hex') !== input.paymentHash) {
        throw new LightningError(
          'PREIMAGE_MISMATCH',
          `escrow ${input.escrowId}/${input.slot} does not derive ${input.paymentHash}`,
        );
      }
      const status = await currentStatus(input.paymentHash);
      if (status.state === 'OPEN' || status.state === 'CANCELED') {
        throw new LightningError(
          'INVOICE_NOT_HELD',
          `invoice ${input.paymentHash} is ${status.state}, nothing to settle`,
        );
      }
      if (status.state === 'HELD') await lightning.settleHoldInvoice(preimage);
      await ledger.markState(input.paymentHash, 'INCOMING', 'SETTLED');
      return 'SETTLED';
    },

    /** Cancels (refunds any held HTLC); a no-op when LND already reports CANCELED. */
    async cancelHoldInvoice(input: { paymentHash: string }): Promise<InvoiceState> {
      const status = await currentStatus(input.paymentHash);
      if (status.state === 'SETTLED') {
        throw new LightningError('INVOICE_ALREADY_FINAL', `invoice ${input.paymentHash} is already settled`);
      }
      if (status.state !== 'CANCELED') await lightning.cancelHoldInvoice(input.paymentHash);
      await ledger.markState(input.paymentHash, 'INCOMING', 'CANCELED');
      return 'CANCELED';
    },
  };
}
