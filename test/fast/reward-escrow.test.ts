import { randomUUID } from 'node:crypto';
import { BOUNTY_ESCROW } from '../../server/coordinator/bounty-settings';
import { TASK_QUEUES } from '../../temporal-config';
import { rewardEscrow } from '../../workflows';
import { escrowInvoicesSignal, escrowStatusQuery, escrowWorkflowId } from '../../workflows/definitions';
import type { FakeLightning } from '../support/fake-lightning';
import { fakeInvoice, fakeLightning } from '../support/fake-lightning';
import type { ControlHarness } from '../support/harness';
import { startControlHarness } from '../support/harness';
import { paymentHashesOf } from '../support/escrow';

// The escrow's invoice window and its refusals of what an earner writes, in seconds, before any sat moves: the
// real Temporal dev server and ledger, a fake node (which cannot pay, so a refused escrow that tried would fail).
// Locking, revealing and settling on real LND are in test/integration/workflows/reward-escrow.test.ts.
const EARNER = `02${'ab'.repeat(32)}`;
const TRANCHES = [1_000, 1_000];
let lightning: FakeLightning;
let harness: ControlHarness;

beforeAll(async () => {
  lightning = fakeLightning();
  harness = await startControlHarness({ lightning });
});
afterAll(() => harness?.stop());

async function startEscrow(invoiceWithinSeconds = 30) {
  const escrowId = randomUUID();
  const handle = await harness.client.workflow.start(rewardEscrow, {
    taskQueue: TASK_QUEUES.control,
    workflowId: escrowWorkflowId(escrowId),
    args: [
      { ...BOUNTY_ESCROW, escrowId, earnerPublicKey: EARNER, trancheSats: TRANCHES, invoiceWithinSeconds },
    ],
  });
  return { handle, paymentHashes: await paymentHashesOf(handle) };
}

/** The earner's honest invoice for a tranche, with one field changed by the case. */
const invoiceFor = (paymentHash: string, sats: number, change: Record<string, unknown> = {}) =>
  fakeInvoice({
    paymentHash,
    sats,
    msats: `${sats * 1_000}`,
    destination: EARNER,
    cltvDelta: 60,
    expiresAtMs: Date.now() + 3_600_000,
    unknownRequiredFeatures: [],
    ...change,
  });

describe('reward escrow before it locks (fast tier)', () => {
  it('an earner who sends no invoices in time gets nothing, and the escrow ends', async () => {
    const { handle } = await startEscrow(2);
    expect(await handle.result()).toEqual({
      phase: 'expired',
      revealed: 0,
      paidSats: 0,
      returnedSats: 0,
      feeSats: 0,
    });
  });

  it.each([
    [
      'ESCROW_INVOICE_WRONG_NODE',
      (hash: string, sats: number) => invoiceFor(hash, sats, { destination: `03${'cd'.repeat(32)}` }),
    ],
    ['ESCROW_INVOICE_WRONG_HASH', (_hash: string, sats: number) => invoiceFor('ef'.repeat(32), sats)],
    [
      'ESCROW_INVOICE_WRONG_AMOUNT',
      (hash: string, sats: number) => invoiceFor(hash, sats, { msats: `${sats * 1_000 + 1}` }),
    ],
    [
      'ESCROW_INVOICE_CLTV_TOO_LARGE',
      (hash: string, sats: number) => invoiceFor(hash, sats, { cltvDelta: 500 }),
    ],
    [
      'ESCROW_INVOICE_EXPIRED',
      (hash: string, sats: number) => invoiceFor(hash, sats, { expiresAtMs: Date.now() }),
    ],
    ['ESCROW_INVOICE_UNDECODABLE', () => 'lnbcrt1garbage'],
  ])('refuses a second tranche invoice with %s, before paying anything', async (code, second) => {
    const { handle, paymentHashes } = await startEscrow();
    const [first, other] = paymentHashes as [string, string];
    await handle.signal(escrowInvoicesSignal, {
      invoices: [invoiceFor(first, TRANCHES[0]!), second(other, TRANCHES[1]!)],
    });
    expect(await handle.result()).toMatchObject({ phase: 'invalid-invoices', code, paidSats: 0 });
    expect((await handle.query(escrowStatusQuery)).problemCode).toBe(code);
  });
});
