import { randomUUID } from 'node:crypto';
import { getInvoice, getWalletInfo, payViaPaymentRequest } from 'ln-service';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { reconcileLedger } from '../../../activities/reconcile';
import { ledgerRepository } from '../../../db/repos/ledger';
import { revealedPreimagesRepository } from '../../../db/repos/revealed-preimages';
import { escrowEarner } from '../../../clients/earner/escrow-client';
import { TASK_QUEUES } from '../../../temporal-config';
import { stake } from '../../../workflows';
import {
  escrowInvoicesSignal,
  escrowStatusQuery,
  escrowWorkflowId,
  invoiceQuery,
  releaseEscrowSignal,
  resolveStakeSignal,
  stakeWorkflowId,
} from '../../../workflows/definitions';
import { channelBalance, testLnd, waitForChange } from '../../support/lightning';
import type { ProcessHarness } from '../../support/process-harness';
import { startProcessHarness } from '../../support/process-harness';
import { eventually } from '../../support/workflows';
import { startTestEscrow } from '../../support/escrow';

const coordinator = testLnd('coordinator');
let harness: ProcessHarness;

beforeAll(async () => {
  harness = await startProcessHarness();
});

afterEach(() => {
  // L402_SHOW_WORKER_LOGS=1 prints what the worker processes said, to diagnose a failure.
  if (process.env.L402_SHOW_WORKER_LOGS === '1') {
    for (const worker of harness.workers) console.log(worker.output.join(''));
  }
});

afterAll(async () => {
  await harness?.stop();
});

async function scheduledActivities(workflowId: string, activityType: string): Promise<number> {
  const history = await harness.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
  ).length;
}

describe('SIGKILL of the worker mid-escrow, then a new worker', () => {
  it('a held stake is settled exactly once and the ledger matches LND', async () => {
    const payer = testLnd('peer3');
    const before = await channelBalance(payer);
    const first = await harness.worker();
    const workflowId = stakeWorkflowId(randomUUID());
    const handle = await harness.client.workflow.start(stake, {
      taskQueue: TASK_QUEUES.control,
      workflowId,
      args: [{ sats: 3_000, memo: 'kill test', payWithinSeconds: 120, decideWithinSeconds: 300 }],
    });
    const invoice = await eventually('the stake invoice', () => handle.query(invoiceQuery));
    const payment = payViaPaymentRequest({ lnd: payer, request: invoice.bolt11 });
    await eventually(
      'the HTLC held',
      async () => (await getInvoice({ lnd: coordinator, id: invoice.paymentHash })).is_held,
    );

    await first.kill('SIGKILL');
    await handle.signal(resolveStakeSignal, { outcome: 'forfeit' });
    await harness.worker();

    expect(await handle.result()).toMatchObject({ outcome: 'forfeited', finalState: 'SETTLED' });
    await payment;
    expect((await getInvoice({ lnd: coordinator, id: invoice.paymentHash })).is_confirmed).toBe(true);
    expect(await waitForChange(() => channelBalance(payer), before)).toBe(before - 3_000);
    expect(await scheduledActivities(workflowId, 'settleHoldInvoice')).toBe(1);
    const ledger = ledgerRepository(harness.db.prisma);
    expect(await ledger.find(invoice.paymentHash, 'INCOMING')).toMatchObject({
      state: 'SETTLED',
      amountSats: 3_000n,
    });
    expect(
      await reconcileLedger({ ledger, lightning: lnServiceClient(coordinator) }, { repair: false }),
    ).toEqual([]);
  });

  it('a locked reward escrow pays exactly the revealed tranches once and the ledger matches LND', async () => {
    const earnerLnd = testLnd('peer2');
    const earner = escrowEarner(earnerLnd);
    const before = await channelBalance(earnerLnd);
    const first = await harness.worker();
    const escrowId = randomUUID();
    const trancheSats = [1_500, 1_500, 1_500, 1_500];
    const handle = await startTestEscrow(harness.client, {
      escrowId,
      earnerPublicKey: (await getWalletInfo({ lnd: earnerLnd })).public_key,
      trancheSats,
      invoiceWithinSeconds: 120,
      decideWithinSeconds: 300,
    });
    const { paymentHashes } = await eventually('hashes', async () => {
      const status = await handle.query(escrowStatusQuery);
      return status.paymentHashes.length === 4 && status;
    });
    const invoices = await earner.createInvoices(paymentHashes, trancheSats, {
      cltvDelta: 60,
      expiresInSeconds: 600,
    });
    await handle.signal(escrowInvoicesSignal, { invoices });
    await eventually('all tranches locked', async () => (await earner.heldCount(paymentHashes)) === 4);

    await first.kill('SIGKILL');
    await handle.signal(releaseEscrowSignal, { reveal: 3 });
    await harness.worker();

    await eventually('the reveal', async () => (await handle.query(escrowStatusQuery)).revealed === 3);
    await earner.resolve(paymentHashes, await revealedPreimagesRepository(harness.db.prisma).list(escrowId));
    expect(await handle.result()).toMatchObject({ revealed: 3, paidSats: 4_500, returnedSats: 1_500 });
    expect(await waitForChange(() => channelBalance(earnerLnd), before)).toBe(before + 4_500);
    expect(await scheduledActivities(escrowWorkflowId(escrowId), 'lockEscrowTranche')).toBe(4);
    const ledger = ledgerRepository(harness.db.prisma);
    const rows = await Promise.all(paymentHashes.map((hash) => ledger.find(hash, 'OUTGOING')));
    expect(rows.map((row) => row?.state)).toEqual(['SETTLED', 'SETTLED', 'SETTLED', 'FAILED']);
    expect(
      await reconcileLedger({ ledger, lightning: lnServiceClient(coordinator) }, { repair: false }),
    ).toEqual([]);
  });
});
