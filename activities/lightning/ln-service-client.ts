import {
  cancelHodlInvoice,
  createHodlInvoice,
  getHeight,
  getInvoice,
  settleHodlInvoice,
  subscribeToInvoice,
} from 'ln-service';
import type { AuthenticatedLnd, GetInvoiceResult, SubscribeToInvoiceInvoiceUpdatedEvent } from 'ln-service';
import type { HoldInvoice, HoldInvoiceRequest, InvoiceState, InvoiceStatus, LightningClient } from './client';
import { fromLnServiceError } from './errors';

type LndInvoice = Pick<
  GetInvoiceResult,
  'id' | 'request' | 'is_held' | 'is_confirmed' | 'is_canceled' | 'tokens' | 'received' | 'payments'
>;

function invoiceState(invoice: Pick<LndInvoice, 'is_held' | 'is_confirmed' | 'is_canceled'>): InvoiceState {
  if (invoice.is_confirmed) return 'SETTLED';
  if (invoice.is_canceled) return 'CANCELED';
  if (invoice.is_held) return 'HELD';
  return 'OPEN';
}

function toStatus(invoice: LndInvoice | SubscribeToInvoiceInvoiceUpdatedEvent): InvoiceStatus {
  const held = invoice.payments.filter((payment) => payment.is_held);
  return {
    paymentHash: invoice.id,
    bolt11: invoice.request ?? '',
    state: invoiceState(invoice),
    sats: invoice.tokens,
    receivedSats: invoice.received,
    ...(held.length > 0 ? { heldUntilHeight: Math.min(...held.map((payment) => payment.timeout)) } : {}),
  };
}

async function call<T>(action: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw fromLnServiceError(err, action);
  }
}

export function lnServiceClient(lnd: AuthenticatedLnd): LightningClient {
  return {
    async createHoldInvoice(request: HoldInvoiceRequest): Promise<HoldInvoice> {
      const created = await call('createHoldInvoice', () =>
        createHodlInvoice({
          lnd,
          id: request.paymentHash,
          tokens: request.sats,
          description: request.memo,
          expires_at: request.expiresAt.toISOString(),
          ...(request.cltvDelta === undefined ? {} : { cltv_delta: request.cltvDelta }),
        }),
      );
      return { paymentHash: created.id, bolt11: created.request };
    },

    async getInvoice(paymentHash) {
      return toStatus(await call('getInvoice', () => getInvoice({ lnd, id: paymentHash })));
    },

    async settleHoldInvoice(preimage) {
      await call('settleHoldInvoice', () => settleHodlInvoice({ lnd, secret: preimage.toString('hex') }));
    },

    async cancelHoldInvoice(paymentHash) {
      await call('cancelHoldInvoice', () => cancelHodlInvoice({ lnd, id: paymentHash }));
    },

    watchInvoice(paymentHash, until, signal) {
      return new Promise<InvoiceStatus>((resolve, reject) => {
        // subscribeToInvoice sends the current state first, so a payment made while nobody listened is seen.
        const subscription = subscribeToInvoice({ lnd, id: paymentHash });
        const finish = (settle: () => void) => {
          signal?.removeEventListener('abort', onAbort);
          // Removing the last update listener cancels the gRPC stream; keep swallowing its late errors.
          subscription.removeAllListeners();
          subscription.on('error', () => {});
          settle();
        };
        const onAbort = () => finish(() => reject(signal?.reason ?? new Error('watch aborted')));
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort);
        subscription.on('invoice_updated', (invoice: SubscribeToInvoiceInvoiceUpdatedEvent) => {
          const status = toStatus(invoice);
          if (until(status)) finish(() => resolve(status));
        });
        subscription.on('error', (err: unknown) =>
          finish(() => reject(fromLnServiceError(err, 'watchInvoice'))),
        );
      });
    },

    async blockHeight() {
      return (await call('getHeight', () => getHeight({ lnd }))).current_block_height;
    },
  };
}
