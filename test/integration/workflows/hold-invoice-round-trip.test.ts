import { randomUUID } from 'node:crypto';
import { getInvoice, payViaPaymentRequest } from 'ln-service';
import { ledgerRepository } from '../../../db/repos/ledger';
import { TASK_QUEUES } from '../../../temporal-config';
import { holdInvoiceRoundTrip } from '../../../workflows';
import { invoiceQuery, roundTripWorkflowId } from '../../../workflows/definitions';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import { channelBalance, testLnd, waitForChange } from '../../support/lightning';
import { eventually } from '../../support/workflows';

const coordinator = testLnd('coordinator');
const peer = testLnd('peer');
let harness: ControlHarness;

beforeAll(async () => {
  harness = await startControlHarness();
});
afterAll(() => harness?.stop());

async function startRoundTrip(outcome: 'settle' | 'cancel', payWithinSeconds = 60) {
  const handle = await harness.client.workflow.start(holdInvoiceRoundTrip, {
    taskQueue: TASK_QUEUES.control,
    workflowId: roundTripWorkflowId(randomUUID()),
    args: [{ sats: 1_000, outcome, payWithinSeconds }],
  });
  const invoice = await eventually('the invoice', () => handle.query(invoiceQuery));
  return { handle, invoice };
}

describe('holdInvoiceRoundTrip against real LND and Temporal', () => {
  it('settles a held payment: the peer pays exactly the invoice and LND reports it settled', async () => {
    const before = await channelBalance(peer);
    const { handle, invoice } = await startRoundTrip('settle');
    const payment = payViaPaymentRequest({ lnd: peer, request: invoice.bolt11 });

    const result = await handle.result();
    await payment;

    expect(result).toEqual({ paymentHash: invoice.paymentHash, finalState: 'SETTLED', paid: true });
    expect((await getInvoice({ lnd: coordinator, id: invoice.paymentHash })).is_confirmed).toBe(true);
    expect(await waitForChange(() => channelBalance(peer), before)).toBe(before - 1_000);
    const row = await ledgerRepository(harness.db.prisma).find(invoice.paymentHash, 'INCOMING');
    expect(row).toMatchObject({ state: 'SETTLED', amountSats: 1_000n, workflowId: handle.workflowId });
    expect(row?.heldAt).not.toBeNull();
  });

  it('cancels a held payment: the HTLC returns and the peer keeps its sats', async () => {
    const before = await channelBalance(peer);
    const { handle, invoice } = await startRoundTrip('cancel');
    const payment = payViaPaymentRequest({ lnd: peer, request: invoice.bolt11 }).then(
      () => 'paid',
      () => 'rejected',
    );

    const result = await handle.result();

    expect(result).toEqual({ paymentHash: invoice.paymentHash, finalState: 'CANCELED', paid: true });
    expect(await payment).toBe('rejected');
    expect((await getInvoice({ lnd: coordinator, id: invoice.paymentHash })).is_canceled).toBe(true);
    expect(await channelBalance(peer)).toBe(before);
    expect(await ledgerRepository(harness.db.prisma).find(invoice.paymentHash, 'INCOMING')).toMatchObject({
      state: 'CANCELED',
    });
  });

  it('cancels an invoice nobody paid once its pay window closes', async () => {
    const { handle, invoice } = await startRoundTrip('settle', 2);

    expect(await handle.result()).toEqual({
      paymentHash: invoice.paymentHash,
      finalState: 'CANCELED',
      paid: false,
    });
    expect((await getInvoice({ lnd: coordinator, id: invoice.paymentHash })).is_canceled).toBe(true);
  });
});
