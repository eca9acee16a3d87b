import { createHash, randomBytes } from 'node:crypto';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { reconcileLedger } from '../../../activities/reconcile';
import type { LedgerDifference } from '../../../activities/reconcile';
import type { PaymentDirection, PaymentState } from '../../../db/repos/ledger';
import { ledgerRepository } from '../../../db/repos/ledger';
import { freshPostgres } from '../../support/database';
import { testLnd } from '../../support/lightning';

const lightning = lnServiceClient(testLnd('coordinator'));
let db: Awaited<ReturnType<typeof freshPostgres>>;
const openInvoices: string[] = [];

const freshHash = () => createHash('sha256').update(randomBytes(32)).digest('hex');

/** A hold invoice on the coordinator's LND, left OPEN or cancelled there. */
async function holdInvoice(state: 'OPEN' | 'CANCELED'): Promise<string> {
  const paymentHash = freshHash();
  await lightning.createHoldInvoice({
    paymentHash,
    sats: 21,
    memo: 'reconcile test',
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  if (state === 'CANCELED') await lightning.cancelHoldInvoice(paymentHash);
  else openInvoices.push(paymentHash);
  return paymentHash;
}

async function row(paymentHash: string, direction: PaymentDirection, state: PaymentState) {
  await ledgerRepository(db.prisma).record({
    paymentHash,
    direction,
    purpose: direction === 'INCOMING' ? 'STAKE' : 'REWARD_ESCROW',
    amountSats: 21n,
    state,
    workflowId: `reconcile-test/${paymentHash}`,
  });
}

const summary = (differences: LedgerDifference[]) =>
  Object.fromEntries(
    differences.map((d) => [
      d.paymentHash,
      [d.ledgerState, d.lndState, d.repaired ? 'repaired' : d.flagged ? 'flagged' : '-'],
    ]),
  );

beforeAll(async () => {
  db = await freshPostgres();
});

afterAll(async () => {
  for (const paymentHash of openInvoices)
    await lightning.cancelHoldInvoice(paymentHash).catch(() => undefined);
  await db?.drop();
});

describe('reconcileLedger against the real LND, final rows included', () => {
  it('reports every final row LND contradicts, flags it on --repair without rewriting it, repairs only open rows', async () => {
    const settledButCanceled = await holdInvoice('CANCELED');
    const canceledButOpen = await holdInvoice('OPEN');
    const settledButNeverPaid = freshHash();
    const openButCanceled = await holdInvoice('CANCELED');
    const agreeingCanceled = await holdInvoice('CANCELED');
    const agreeingOpen = await holdInvoice('OPEN');
    const failedNeverSent = freshHash();
    await row(settledButCanceled, 'INCOMING', 'SETTLED');
    await row(canceledButOpen, 'INCOMING', 'CANCELED');
    await row(settledButNeverPaid, 'OUTGOING', 'SETTLED');
    await row(openButCanceled, 'INCOMING', 'OPEN');
    await row(agreeingCanceled, 'INCOMING', 'CANCELED');
    await row(agreeingOpen, 'INCOMING', 'OPEN');
    await row(failedNeverSent, 'OUTGOING', 'FAILED');
    const ledger = ledgerRepository(db.prisma);

    const reported = await reconcileLedger({ ledger, lightning }, { repair: false });
    expect(summary(reported)).toEqual({
      [settledButCanceled]: ['SETTLED', 'CANCELED', '-'],
      [canceledButOpen]: ['CANCELED', 'OPEN', '-'],
      [settledButNeverPaid]: ['SETTLED', 'MISSING', '-'],
      [openButCanceled]: ['OPEN', 'CANCELED', '-'],
    });
    expect(await ledger.listFlags()).toEqual([]);

    // The periodic sweep's scope: only the open row.
    expect(summary(await reconcileLedger({ ledger, lightning }, { repair: false, scope: 'open' }))).toEqual({
      [openButCanceled]: ['OPEN', 'CANCELED', '-'],
    });

    const repaired = await reconcileLedger({ ledger, lightning }, { repair: true });
    expect(summary(repaired)).toEqual({
      [settledButCanceled]: ['SETTLED', 'CANCELED', 'flagged'],
      [canceledButOpen]: ['CANCELED', 'OPEN', 'flagged'],
      [settledButNeverPaid]: ['SETTLED', 'MISSING', 'flagged'],
      [openButCanceled]: ['OPEN', 'CANCELED', 'repaired'],
    });
    const states = async () =>
      Object.fromEntries(
        (await db.prisma.ledgerEntry.findMany()).map((entry) => [entry.paymentHash, entry.state]),
      );
    expect(await states()).toMatchObject({
      [settledButCanceled]: 'SETTLED',
      [canceledButOpen]: 'CANCELED',
      [settledButNeverPaid]: 'SETTLED',
      [openButCanceled]: 'CANCELED',
    });
    const flagged = () =>
      ledger
        .listFlags()
        .then((flags) => flags.map((f) => [f.paymentHash, f.direction, f.ledgerState, f.lndState]).sort());
    const expectedFlags = [
      [settledButCanceled, 'INCOMING', 'SETTLED', 'CANCELED'],
      [canceledButOpen, 'INCOMING', 'CANCELED', 'OPEN'],
      [settledButNeverPaid, 'OUTGOING', 'SETTLED', 'MISSING'],
    ].sort();
    expect(await flagged()).toEqual(expectedFlags);

    // A second repair changes nothing: the flags stay one per row and the final rows keep their states.
    const again = await reconcileLedger({ ledger, lightning }, { repair: true });
    expect(Object.keys(summary(again)).sort()).toEqual(
      [settledButCanceled, canceledButOpen, settledButNeverPaid].sort(),
    );
    expect(await flagged()).toEqual(expectedFlags);
  });
});
