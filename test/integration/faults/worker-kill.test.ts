import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { getInvoice, getWalletInfo, payViaPaymentRequest } from 'ln-service';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { reconcileLedger } from '../../../activities/reconcile';
import { loadSecrets } from '../../../coordinator/secrets';
import { ledgerRepository } from '../../../db/repos/ledger';
import { revealedPreimagesRepository } from '../../../db/repos/revealed-preimages';
import { escrowEarner } from '../../../earner/escrow-client';
import { credentialsPath } from '../../../stack/lnd';
import { TASK_QUEUES } from '../../../temporal-config';
import { rewardEscrow, stake } from '../../../workflows';
import {
  escrowInvoicesSignal,
  escrowStatusQuery,
  escrowWorkflowId,
  invoiceQuery,
  releaseEscrowSignal,
  resolveStakeSignal,
  stakeWorkflowId,
} from '../../../workflows/definitions';
import { freshPostgres } from '../../support/database';
import { channelBalance, testLnd, waitForChange } from '../../support/lightning';
import { testStackConfig } from '../../support/stack-config';
import { temporalTestEnv } from '../../support/temporal';
import type { WorkerProcess } from '../../support/worker-process';
import { startWorkerProcess } from '../../support/worker-process';
import { codecClient, eventually } from '../../support/workflows';

const coordinator = testLnd('coordinator');
let env: TestWorkflowEnvironment;
let db: Awaited<ReturnType<typeof freshPostgres>>;
let client: Client;
let dir: string;
let workerEnv: NodeJS.ProcessEnv;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [env, db] = await Promise.all([temporalTestEnv(), freshPostgres()]);
  dir = mkdtempSync(path.join(tmpdir(), 'l402-kill-'));
  const secretsFile = path.join(dir, 'secrets.json');
  client = codecClient(env, loadSecrets(secretsFile));
  workerEnv = {
    L402_DATA_DIR: dir,
    TEMPORAL_ADDRESS: env.address,
    DATABASE_URL: db.url,
    L402_LND_CREDENTIALS: credentialsPath(testStackConfig(), 'coordinator'),
    L402_SECRETS_FILE: secretsFile,
  };
});

afterEach(() => {
  // L402_SHOW_WORKER_LOGS=1 prints what the worker processes said, to diagnose a failure.
  if (process.env.L402_SHOW_WORKER_LOGS === '1') {
    for (const worker of workers) console.log(worker.output.join(''));
  }
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill('SIGTERM')));
  await env?.teardown();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function worker(): Promise<WorkerProcess> {
  const started = await startWorkerProcess(workerEnv);
  workers.push(started);
  return started;
}

async function scheduledActivities(workflowId: string, activityType: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
  ).length;
}

describe('SIGKILL of the worker mid-escrow, then a new worker', () => {
  it('a held stake is settled exactly once and the ledger matches LND', async () => {
    const payer = testLnd('peer3');
    const before = await channelBalance(payer);
    const first = await worker();
    const workflowId = stakeWorkflowId(randomUUID());
    const handle = await client.workflow.start(stake, {
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
    await worker();

    expect(await handle.result()).toMatchObject({ outcome: 'forfeited', finalState: 'SETTLED' });
    await payment;
    expect((await getInvoice({ lnd: coordinator, id: invoice.paymentHash })).is_confirmed).toBe(true);
    expect(await waitForChange(() => channelBalance(payer), before)).toBe(before - 3_000);
    expect(await scheduledActivities(workflowId, 'settleHoldInvoice')).toBe(1);
    const ledger = ledgerRepository(db.prisma);
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
    const first = await worker();
    const escrowId = randomUUID();
    const trancheSats = [1_500, 1_500, 1_500, 1_500];
    const handle = await client.workflow.start(rewardEscrow, {
      taskQueue: TASK_QUEUES.control,
      workflowId: escrowWorkflowId(escrowId),
      args: [
        {
          escrowId,
          earnerPublicKey: (await getWalletInfo({ lnd: earnerLnd })).public_key,
          trancheSats,
          invoiceWithinSeconds: 120,
          decideWithinSeconds: 300,
          maxInvoiceCltvDelta: 80,
          routingCltvBlocks: 40,
          fees: { ppm: 1_000, baseSats: 1, maxSats: 100 },
        },
      ],
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
    await worker();

    await eventually('the reveal', async () => (await handle.query(escrowStatusQuery)).revealed === 3);
    await earner.resolve(paymentHashes, await revealedPreimagesRepository(db.prisma).list(escrowId));
    expect(await handle.result()).toMatchObject({ revealed: 3, paidSats: 4_500, returnedSats: 1_500 });
    expect(await waitForChange(() => channelBalance(earnerLnd), before)).toBe(before + 4_500);
    expect(await scheduledActivities(escrowWorkflowId(escrowId), 'lockEscrowTranche')).toBe(4);
    const ledger = ledgerRepository(db.prisma);
    const rows = await Promise.all(paymentHashes.map((hash) => ledger.find(hash, 'OUTGOING')));
    expect(rows.map((row) => row?.state)).toEqual(['SETTLED', 'SETTLED', 'SETTLED', 'FAILED']);
    expect(
      await reconcileLedger({ ledger, lightning: lnServiceClient(coordinator) }, { repair: false }),
    ).toEqual([]);
  });
});
