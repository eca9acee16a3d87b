import { createHash } from 'node:crypto';
import type {
  DecodedInvoice,
  HoldInvoice,
  HoldInvoiceRequest,
  InvoiceStatus,
  LightningClient,
  PlainInvoiceRequest,
} from '../../activities/lightning/client';

/**
 * The coordinator's node for the fast workflow tier: hold and plain invoices in memory (plain ones expire as LND's
 * do), a chain height the test moves, a payer the test plays (`pay`), and an earner's invoices as the test writes
 * them ({@link fakeInvoice}). It speaks only what the stake workflow, a bounty's funding and an escrow up to its
 * lock use; paying throws, so a workflow that reaches for more fails loudly here and is tested on the real regtest
 * stack instead.
 */
export interface FakeLightning extends LightningClient {
  /**
   * The payer pays: a hold invoice's HTLC is held until `heldUntilHeight` (default: the invoice's CLTV delta from
   * now); a plain invoice settles at once.
   */
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
  const invoices = new Map<string, InvoiceStatus & { cltvDelta: number; plain?: true }>();
  const watchers = new Set<() => void>();
  const changed = () => watchers.forEach((notify) => notify());
  const known = (paymentHash: string) => {
    const invoice = invoices.get(paymentHash);
    if (!invoice) throw new Error(`fake lightning: no invoice ${paymentHash}`);
    return invoice;
  };
  const status = ({
    cltvDelta: _cltvDelta,
    plain: _plain,
    ...invoice
  }: InvoiceStatus & { cltvDelta: number; plain?: true }) => ({ ...invoice });
  /** An invoice created again for the same hash is the same invoice (LND answers the same). */
  const remember = (paymentHash: string, sats: number, cltvDelta: number, plain?: true): HoldInvoice => {
    const bolt11 = `lnfake${sats}${paymentHash}`;
    if (!invoices.has(paymentHash))
      invoices.set(paymentHash, {
        paymentHash,
        bolt11,
        state: 'OPEN',
        sats,
        receivedSats: 0,
        cltvDelta,
        ...(plain ? { plain } : {}),
      });
    return { paymentHash, bolt11 };
  };
  const unsupported = (what: string) => async (): Promise<never> => {
    throw new Error(`fake lightning does not ${what}: test it on the regtest stack`);
  };

  return {
    async createHoldInvoice(request: HoldInvoiceRequest): Promise<HoldInvoice> {
      return remember(request.paymentHash, request.sats, request.cltvDelta ?? DEFAULT_CLTV_DELTA);
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
    async createInvoice(request: PlainInvoiceRequest): Promise<HoldInvoice> {
      const paymentHash = createHash('sha256').update(request.preimage).digest('hex');
      // LND cancels an unpaid invoice once it expires.
      setTimeout(() => {
        const invoice = known(paymentHash);
        if (invoice.state !== 'OPEN') return;
        invoice.state = 'CANCELED';
        changed();
      }, request.expiresAt.getTime() - Date.now()).unref();
      return remember(paymentHash, request.sats, DEFAULT_CLTV_DELTA, true);
    },
    startPayment: unsupported('pay'),
    getPayment: unsupported('pay'),
    keysend: unsupported('pay'),
    listPayments: unsupported('list payments'),
    listInvoices: unsupported('list invoices'),

    pay(paymentHash, heldUntilHeight) {
      const invoice = known(paymentHash);
      if (invoice.state !== 'OPEN') throw new Error(`fake lightning: pay of a ${invoice.state} invoice`);
      invoice.receivedSats = invoice.sats;
      if (invoice.plain) invoice.state = 'SETTLED';
      else {
        invoice.state = 'HELD';
        invoice.heldUntilHeight = heldUntilHeight ?? height + invoice.cltvDelta;
      }
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
