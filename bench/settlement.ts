// Settlement latency (DESIGN §5): payment accepted → settled, through the durable `stake` workflow vs the same
// Lightning calls made directly, measured in one run on the local regtest stack (started or reused).
//   node -r tsx/cjs bench/settlement.ts            (BENCH_SETTLEMENTS=N, default 20)
import { randomBytes, randomUUID } from 'node:crypto';
import { getInvoice, payViaPaymentRequest } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { lnServiceClient } from '../activities/lightning/ln-service-client';
import { createControlWorker } from '../coordinator/control-worker';
import { dataConverter } from '../coordinator/temporal';
import { openDatabase } from '../db/client';
import { paymentHashOf } from '../lib/preimages';
import { loadStackConfig } from '../stack/config';
import { stackUp } from '../stack/launcher';
import { connectLnd, readCredentials } from '../stack/lnd';
import { ensureTools } from '../stack/tools';
import { TASK_QUEUES } from '../temporal-config';
import { stake } from '../workflows';
import { invoiceQuery, resolveStakeSignal, stakeWorkflowId } from '../workflows/definitions';

const SETTLEMENTS = Number(process.env.BENCH_SETTLEMENTS ?? 20);
const SATS = 1_000;

async function until<T>(probe: () => Promise<T | null | false>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const held = (lnd: AuthenticatedLnd, id: string) =>
  until(async () => (await getInvoice({ lnd, id })).is_held);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadStackConfig();
  await stackUp(config);
  const coordinatorLnd = connectLnd(readCredentials(config, config.nodes[0]!));
  const payer = connectLnd(readCredentials(config, config.nodes[1]!));
  const lightning = lnServiceClient(coordinatorLnd);
  const secrets = {
    preimageSecret: randomBytes(32),
    codecKeys: { currentKeyId: 'bench', keys: { bench: randomBytes(32).toString('base64') } },
  };
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: (await ensureTools()).temporal } },
  });
  const db = await openDatabase({ kind: 'pglite-memory' });
  const worker = await createControlWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    lightning,
    prisma: db.prisma,
    secrets,
  });
  const running = worker.run();
  const client = new Client({ connection: env.connection, dataConverter: dataConverter(secrets) });

  const viaWorkflow: number[] = [];
  for (let i = 0; i < SETTLEMENTS; i++) {
    const handle = await client.workflow.start(stake, {
      taskQueue: TASK_QUEUES.control,
      workflowId: stakeWorkflowId(randomUUID()),
      args: [{ sats: SATS, memo: 'bench', payWithinSeconds: 60, decideWithinSeconds: 60 }],
    });
    const invoice = await until(() => handle.query(invoiceQuery));
    const payment = payViaPaymentRequest({ lnd: payer, request: invoice.bolt11 });
    await held(coordinatorLnd, invoice.paymentHash);
    const accepted = performance.now();
    await handle.signal(resolveStakeSignal, { outcome: 'forfeit' });
    await handle.result();
    viaWorkflow.push(performance.now() - accepted);
    await payment;
  }

  const direct: number[] = [];
  for (let i = 0; i < SETTLEMENTS; i++) {
    const preimage = randomBytes(32);
    const paymentHash = paymentHashOf(preimage).toString('hex');
    const invoice = await lightning.createHoldInvoice({
      paymentHash,
      sats: SATS,
      memo: 'bench',
      expiresAt: new Date(Date.now() + 60_000),
    });
    const payment = payViaPaymentRequest({ lnd: payer, request: invoice.bolt11 });
    await held(coordinatorLnd, paymentHash);
    const accepted = performance.now();
    await lightning.settleHoldInvoice(preimage);
    direct.push(performance.now() - accepted);
    await payment;
  }

  worker.shutdown();
  await running;
  await env.teardown();
  await db.close();

  const row = (name: string, values: number[]) =>
    `${name.padEnd(34)} ${percentile(values, 50).toFixed(1).padStart(8)} ${percentile(values, 90).toFixed(1).padStart(8)}`;
  console.log(`payment accepted → settled, ${SETTLEMENTS} hold invoices of ${SATS} sats each (ms)`);
  console.log(`${'path'.padEnd(34)} ${'p50'.padStart(8)} ${'p90'.padStart(8)}`);
  console.log(row('stake workflow (signal → settled)', viaWorkflow));
  console.log(row('direct settleHoldInvoice call', direct));
  console.log(
    `workflow overhead at p50: ${(percentile(viaWorkflow, 50) - percentile(direct, 50)).toFixed(1)} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
