import type { InvoiceFacts } from '../../../../domain/money/escrow-invoices';
import { acceptedCltvDeltas, refuseEscrowInvoices } from '../../../../domain/money/escrow-invoices';

const earner = `02${'ab'.repeat(32)}`;
const hashes = ['11', '22', '33'].map((byte) => byte.repeat(32));
const trancheSats = [400, 300, 300];
const nowMs = 1_800_000_000_000;
const terms = {
  earnerPublicKey: earner,
  paymentHashes: hashes,
  trancheSats,
  safetyMarginBlocks: 24,
  maxCltvDelta: 80,
  nowMs,
};
const honest = (tranche: number): InvoiceFacts => ({
  paymentHash: hashes[tranche]!,
  destination: earner,
  msats: `${trancheSats[tranche]! * 1000}`,
  cltvDelta: 60,
  expiresAtMs: nowMs + 3_600_000,
  unknownRequiredFeatures: [],
});
const withSecond = (changes: Partial<InvoiceFacts> | null) => [
  honest(0),
  changes === null ? null : { ...honest(1), ...changes },
  honest(2),
];

describe('refuseEscrowInvoices', () => {
  it('accepts one exact invoice per tranche', () => {
    expect(refuseEscrowInvoices(terms, [0, 1, 2].map(honest))).toBeNull();
  });

  it.each<[string, (InvoiceFacts | null)[], string]>([
    ['a missing tranche', [honest(0), honest(1)], 'ESCROW_INVOICE_COUNT'],
    ['an extra invoice', [0, 1, 2, 2].map(honest), 'ESCROW_INVOICE_COUNT'],
    ['garbage', withSecond(null), 'ESCROW_INVOICE_UNDECODABLE'],
    ['a duplicated tranche', [honest(0), honest(0), honest(2)], 'ESCROW_INVOICE_DUPLICATE'],
    ['another node', withSecond({ destination: `03${'cd'.repeat(32)}` }), 'ESCROW_INVOICE_WRONG_NODE'],
    ['the next tranche hash', withSecond({ paymentHash: hashes[2]! }), 'ESCROW_INVOICE_WRONG_HASH'],
    ['a foreign hash', withSecond({ paymentHash: 'ff'.repeat(32) }), 'ESCROW_INVOICE_WRONG_HASH'],
    ['one sat more', withSecond({ msats: '301000' }), 'ESCROW_INVOICE_WRONG_AMOUNT'],
    ['one sat less', withSecond({ msats: '299000' }), 'ESCROW_INVOICE_WRONG_AMOUNT'],
    ['one msat more', withSecond({ msats: '300001' }), 'ESCROW_INVOICE_WRONG_AMOUNT'],
    ['no amount', withSecond({ msats: '0' }), 'ESCROW_INVOICE_WRONG_AMOUNT'],
    ['a CLTV delta at the safety margin', withSecond({ cltvDelta: 24 }), 'ESCROW_INVOICE_CLTV_TOO_SMALL'],
    ['a CLTV delta one below margin + hold', withSecond({ cltvDelta: 29 }), 'ESCROW_INVOICE_CLTV_TOO_SMALL'],
    ['a CLTV delta above the max', withSecond({ cltvDelta: 81 }), 'ESCROW_INVOICE_CLTV_TOO_LARGE'],
    ['an expired invoice', withSecond({ expiresAtMs: nowMs - 1 }), 'ESCROW_INVOICE_EXPIRED'],
    [
      'an invoice expiring within 2 min',
      withSecond({ expiresAtMs: nowMs + 119_999 }),
      'ESCROW_INVOICE_EXPIRED',
    ],
    [
      'an unknown required feature',
      withSecond({ unknownRequiredFeatures: [100] }),
      'ESCROW_INVOICE_UNKNOWN_FEATURE',
    ],
  ])('refuses %s with its code', (_what, invoices, code) => {
    expect(refuseEscrowInvoices(terms, invoices)?.code).toBe(code);
  });

  it('names the offending tranche', () => {
    expect(refuseEscrowInvoices(terms, withSecond({ msats: '1' }))).toMatchObject({ tranche: 1 });
  });

  it('accepts the bounds of the CLTV window', () => {
    expect(acceptedCltvDeltas(terms)).toEqual({ min: 30, max: 80 });
    for (const cltvDelta of [30, 80]) {
      expect(refuseEscrowInvoices(terms, withSecond({ cltvDelta }))).toBeNull();
    }
  });

  it('never lowers the margin below the minimum nor raises the max above what routing accepts', () => {
    expect(acceptedCltvDeltas({ safetyMarginBlocks: 1, maxCltvDelta: 10_000 })).toEqual({
      min: 30,
      max: 2016,
    });
  });
});
