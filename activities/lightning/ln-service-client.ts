import { createHash } from 'node:crypto';
import {
  cancelHodlInvoice,
  createHodlInvoice,
  createInvoice,
  decodePaymentRequest,
  getHeight,
  getInvoice,
  getInvoices,
  getPayment,
  getPayments,
  getPendingPayments,
  settleHodlInvoice,
  subscribeToInvoice,
  subscribeToPayViaDetails,
  subscribeToPayViaRequest,
} from 'ln-service';
import type {
  AuthenticatedLnd,
  GetInvoiceResult,
  GetPaymentResult,
  SubscribeToInvoiceInvoiceUpdatedEvent,
} from 'ln-service';
import type {
  HoldInvoice,
  HoldInvoiceRequest,
  InvoiceState,
  InvoiceRecord,
  InvoiceStatus,
  LightningClient,
  NodeWindow,
  PaymentRecord,
  PaymentStatus,
} from './client';
import { fromLnServiceError, LightningError } from './errors';

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

function toPaymentStatus(paymentHash: string, result: GetPaymentResult): PaymentStatus {
  const state = result.is_confirmed ? 'SUCCEEDED' : result.is_failed ? 'FAILED' : 'IN_FLIGHT';
  const paths = [...(result.payment?.paths ?? []), ...(result.pending?.paths ?? [])];
  const htlcTimeouts = paths.flatMap((path) => path.hops.map((hop) => hop.timeout));
  return {
    paymentHash,
    state,
    feeSats: result.payment?.fee ?? 0,
    ...(result.payment
      ? {
          deliveredSats: Number(
            (BigInt(result.payment.mtokens) - BigInt(result.payment.fee_mtokens)) / 1000n,
          ),
        }
      : {}),
    ...(htlcTimeouts.length > 0 ? { timeoutHeight: Math.max(...htlcTimeouts) } : {}),
  };
}

/** The TLV record that carries a keysend preimage. */
const KEYSEND_RECORD_TYPE = '5482373484';

/** Rows per page when listing payments or invoices. */
const PAGE_SIZE = 100;

/** Every page of a paged ln-service listing: the first call takes the limit, the next ones the token. */
async function allPages<T>(
  action: string,
  page: (paging: { limit: number } | { token: string }) => Promise<{ items: T[]; next?: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let paging: { limit: number } | { token: string } = { limit: PAGE_SIZE };
  for (;;) {
    const result = await call(action, () => page(paging));
    items.push(...result.items);
    if (!result.next || result.items.length === 0) return items;
    paging = { token: result.next };
  }
}

const windowArgs = (window: NodeWindow) => ({
  created_after: window.after.toISOString(),
  created_before: window.before.toISOString(),
});

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

    async createInvoice(request) {
      const created = await call('createInvoice', () =>
        createInvoice({
          lnd,
          secret: request.preimage.toString('hex'),
          tokens: request.sats,
          description: request.memo,
          expires_at: request.expiresAt.toISOString(),
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

    async decodeInvoice(bolt11) {
      const decoded = await call('decodeInvoice', () => decodePaymentRequest({ lnd, request: bolt11 }));
      return {
        paymentHash: decoded.id,
        sats: decoded.tokens,
        destination: decoded.destination,
        cltvDelta: decoded.cltv_delta ?? 18,
        expiresAt: new Date(decoded.expires_at),
        msats: decoded.mtokens,
        unknownRequiredFeatures: decoded.features
          .filter((feature) => feature.is_required && !feature.is_known)
          .map((feature) => feature.bit),
      };
    },

    async getPayment(paymentHash) {
      try {
        return toPaymentStatus(paymentHash, await getPayment({ lnd, id: paymentHash }));
      } catch (err) {
        const mapped = fromLnServiceError(err, 'getPayment');
        if (mapped.code === 'INVOICE_NOT_FOUND' || /SentPaymentNotFound/.test(mapped.message)) return null;
        throw mapped;
      }
    },

    async startPayment(bolt11, options) {
      const { paymentHash } = await this.decodeInvoice(bolt11);
      const existing = await this.getPayment(paymentHash);
      if (existing) return existing;
      await new Promise<void>((resolve, reject) => {
        const payment = subscribeToPayViaRequest({
          lnd,
          request: bolt11,
          max_fee: options.maxFeeSats,
          max_timeout_height: options.maxTimeoutHeight,
        });
        const done = (settle: () => void) => {
          // The payment lives on in LND; we only stop listening.
          payment.removeAllListeners();
          payment.on('error', () => {});
          settle();
        };
        payment.on('paying', () => done(resolve));
        payment.on('confirmed', () => done(resolve));
        payment.on('failed', () => done(resolve));
        payment.on('error', (err: unknown) => done(() => reject(fromLnServiceError(err, 'startPayment'))));
      });
      const status = await this.getPayment(paymentHash);
      if (!status) throw new LightningError('PAYMENT_FAILED', `payment ${paymentHash} left no record in LND`);
      return status;
    },

    async keysend(request) {
      const paymentHash = createHash('sha256').update(request.preimage).digest('hex');
      const existing = await this.getPayment(paymentHash);
      if (existing && existing.state !== 'IN_FLIGHT') return existing;
      if (!existing) {
        await new Promise<void>((resolve, reject) => {
          const payment = subscribeToPayViaDetails({
            lnd,
            destination: request.destination,
            id: paymentHash,
            tokens: request.sats,
            max_fee: request.maxFeeSats,
            messages: [{ type: KEYSEND_RECORD_TYPE, value: request.preimage.toString('hex') }],
          });
          const done = (settle: () => void) => {
            payment.removeAllListeners();
            payment.on('error', () => {});
            settle();
          };
          payment.on('confirmed', () => done(resolve));
          payment.on('failed', () => done(resolve));
          payment.on('error', (err: unknown) => done(() => reject(fromLnServiceError(err, 'keysend'))));
        });
      }
      for (;;) {
        const status = await this.getPayment(paymentHash);
        if (!status)
          throw new LightningError('PAYMENT_FAILED', `keysend ${paymentHash} left no record in LND`);
        if (status.state !== 'IN_FLIGHT') return status;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },

    async blockHeight() {
      return (await call('getHeight', () => getHeight({ lnd }))).current_block_height;
    },

    async listPayments(window) {
      // A token carries the window of the first page: only that one names it.
      const first = (paging: { limit: number } | { token: string }) =>
        'limit' in paging ? { ...paging, ...windowArgs(window) } : paging;
      const succeeded = await allPages('getPayments', async (paging) => {
        const page = await getPayments({ lnd, ...first(paging) });
        return {
          items: page.payments.map((payment): PaymentRecord => ({
            paymentHash: payment.id,
            state: 'SUCCEEDED',
            sats: payment.tokens,
            feeSats: payment.fee,
            destination: payment.destination,
            createdAt: new Date(payment.created_at),
          })),
          next: page.next,
        };
      });
      const inFlight = await allPages('getPendingPayments', async (paging) => {
        const page = await getPendingPayments({ lnd, ...first(paging) });
        return {
          items: page.payments.map((payment): PaymentRecord => ({
            paymentHash: payment.id,
            state: 'IN_FLIGHT',
            sats: payment.tokens,
            feeSats: 0,
            destination: payment.destination ?? '',
            createdAt: new Date(payment.created_at),
          })),
          next: page.next,
        };
      });
      return [...succeeded, ...inFlight];
    },

    async listInvoices(window) {
      return allPages('getInvoices', async (paging) => {
        const page = await getInvoices({
          lnd,
          ...('limit' in paging ? { ...paging, ...windowArgs(window) } : paging),
        });
        return {
          items: page.invoices.map((invoice): InvoiceRecord => ({
            paymentHash: invoice.id,
            state: invoiceState(invoice),
            sats: invoice.tokens,
            receivedSats: invoice.received,
            description: invoice.description,
            createdAt: new Date(invoice.created_at),
          })),
          next: page.next,
        };
      });
    },
  };
}
