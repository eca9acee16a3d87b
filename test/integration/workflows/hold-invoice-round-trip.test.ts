import { randomBytes, randomUUID } from 'node:crypto';
import { getInvoice, payViaPaymentRequest } from 'ln-service';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { ledgerRepository } from '../../../db/repos/ledger';
import { createControlWorker } from '../../../coordinator/control-worker';
import { dataConverter } from '../../../coordinator/temporal';
import type { CoordinatorSecrets } from '../../../coordinator/secrets';
import { TASK_QUEUES } from '../../../temporal-config';
import { invoiceQuery, roundTripWorkflowId } from '../../../workflows/definitions';
import type { InvoiceView } from '../../../workflows/definitions';
import { holdInvoiceRoundTrip } from '../../../workflows';
import { freshPostgres } from '../../support/database';
import { channelBalance, testLnd, waitForChange } from '../../support/lightning';
import { temporalTestEnv } from '../../support/temporal';

const coordinator = testLnd('coordinator');
const peer = testLnd('peer');
const secrets: CoordinatorSecrets = {
  preimageSecret: randomBytes(32),
  codecKeys: { currentKeyId: 'test', keys: { test: randomBytes(32).toString('base64') } },
};

let env: TestWorkflowEnvironment;
let db: Awaited<ReturnType<typeof freshPostgres>>;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  [env, db] = await Promise.all([temporalTestEnv(), freshPostgres()]);
  worker = await createControlWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    lightning: lnServiceClient(coordinator),
    ledger: ledgerRepository(db.prisma),
    secrets,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await db?.drop();
});

async function startRoundTrip(outcome: 'settle' | 'cancel', payWithinSeconds = 60) {
  // The client shares the worker's codec so it can read the encrypted results.
  const client = new Client({
    connection: env.connection,
    namespace: 'default',
    dataConverter: dataConverter(secrets),
  });
  const handle = await client.workflow.start(holdInvoiceRoundTrip, {
    taskQueue: TASK_QUEUES.control,
    workflowId: roundTripWorkflowId(randomUUID()),
    args: [{ sats: 1_000, outcome, payWithinSeconds }],
  });
  let invoice: InvoiceView | null = null;
  while (!invoice) {
    invoice = await handle.query(invoiceQuery);
    if (!invoice) await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
    const row = await ledgerRepository(db.prisma).find(invoice.paymentHash, 'INCOMING');
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
    expect(await ledgerRepository(db.prisma).find(invoice.paymentHash, 'INCOMING')).toMatchObject({
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
