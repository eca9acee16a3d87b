import { createHash } from 'node:crypto';
import type {
  DecodedInvoice,
  HoldInvoice,
  HoldInvoiceRequest,
  InvoiceStatus,
  LightningClient,
} from '../../activities/lightning/client';

/**
 * The coordinator's node for the fast workflow tier: hold invoices in memory, a chain height the test moves, a
 * payer the test plays (`pay`), and an earner's invoices as the test writes them ({@link fakeInvoice}). It speaks only
 * what the stake workflow and an escrow up to its lock use; paying throws, so a workflow that reaches for more fails
 * loudly here and is tested on the real regtest stack instead.
 */
export interface FakeLightning extends LightningClient {
  /** The payer's HTLC arrives and is held until `heldUntilHeight` (default: the invoice's CLTV delta from now). */
  pay(paymentHash: string, heldUntilHeight?: number): void;
  mine(blocks: number): void;
  invoice(paymentHash: string): InvoiceStatus | undefined;
}

const DEFAULT_CLTV_DELTA = 80;
const FAKE_BOLT11 = 'lnfake1';

/** Every field of an invoice an earner could write (its expiry as epoch ms, so it survives JSON). */
type InvoiceFields = Omit<DecodedInvoice, 'expiresAt'> & { expiresAtMs: number };

/** An invoice only this fake decodes, with the fields the test chooses. */
export function fakeInvoice(fields: InvoiceFields): string {
  return FAKE_BOLT11 + Buffer.from(JSON.stringify(fields)).toString('base64url');
}

function decodeFake(bolt11: string): DecodedInvoice {
  if (!bolt11.startsWith(FAKE_BOLT11)) throw new Error('fake lightning: not an invoice it can decode');
  const { expiresAtMs, ...fields } = JSON.parse(
    Buffer.from(bolt11.slice(FAKE_BOLT11.length), 'base64url').toString('utf8'),
  ) as InvoiceFields;
  return { ...fields, expiresAt: new Date(expiresAtMs) };
}

export function fakeLightning(startHeight = 1_000): FakeLightning {
  let height = startHeight;
  const invoices = new Map<string, InvoiceStatus & { cltvDelta: number }>();
  const watchers = new Set<() => void>();
  const changed = () => watchers.forEach((notify) => notify());
  const known = (paymentHash: string) => {
    const invoice = invoices.get(paymentHash);
    if (!invoice) throw new Error(`fake lightning: no invoice ${paymentHash}`);
    return invoice;
  };
  const status = ({ cltvDelta: _cltvDelta, ...invoice }: InvoiceStatus & { cltvDelta: number }) => ({
    ...invoice,
  });
  const unsupported = (what: string) => async (): Promise<never> => {
    throw new Error(`fake lightning does not ${what}: test it on the regtest stack`);
  };

  return {
    async createHoldInvoice(request: HoldInvoiceRequest): Promise<HoldInvoice> {
      const bolt11 = `lnfake${request.sats}${request.paymentHash}`;
      if (!invoices.has(request.paymentHash))
        invoices.set(request.paymentHash, {
          paymentHash: request.paymentHash,
          bolt11,
          state: 'OPEN',
          sats: request.sats,
          receivedSats: 0,
          cltvDelta: request.cltvDelta ?? DEFAULT_CLTV_DELTA,
        });
      return { paymentHash: request.paymentHash, bolt11 };
    },
    async getInvoice(paymentHash) {
      return status(known(paymentHash));
    },
    async settleHoldInvoice(preimage) {
      const invoice = known(createHash('sha256').update(preimage).digest('hex'));
      if (invoice.state !== 'HELD') throw new Error(`fake lightning: settle of a ${invoice.state} invoice`);
      invoice.state = 'SETTLED';
      changed();
    },
    async cancelHoldInvoice(paymentHash) {
      const invoice = known(paymentHash);
      if (invoice.state === 'SETTLED') throw new Error('fake lightning: cancel of a settled invoice');
      invoice.state = 'CANCELED';
      delete invoice.heldUntilHeight;
      changed();
    },
    watchInvoice(paymentHash, until, signal) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const current = status(known(paymentHash));
          if (!until(current)) return;
          watchers.delete(check);
          resolve(current);
        };
        watchers.add(check);
        signal?.addEventListener('abort', () => {
          watchers.delete(check);
          reject(signal.reason);
        });
        check();
      });
    },
    async blockHeight() {
      return height;
    },
    async decodeInvoice(bolt11) {
      return decodeFake(bolt11);
    },
    createInvoice: unsupported('create plain invoices'),
    startPayment: unsupported('pay'),
    getPayment: unsupported('pay'),
    keysend: unsupported('pay'),
    listPayments: unsupported('list payments'),
    listInvoices: unsupported('list invoices'),

    pay(paymentHash, heldUntilHeight) {
      const invoice = known(paymentHash);
      if (invoice.state !== 'OPEN') throw new Error(`fake lightning: pay of a ${invoice.state} invoice`);
      invoice.state = 'HELD';
      invoice.receivedSats = invoice.sats;
      invoice.heldUntilHeight = heldUntilHeight ?? height + invoice.cltvDelta;
      changed();
    },
    mine(blocks) {
      height += blocks;
    },
    invoice(paymentHash) {
      const invoice = invoices.get(paymentHash);
      return invoice && status(invoice);
    },
  };
}
