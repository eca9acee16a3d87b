// Settlement latency (DESIGN §5): payment accepted → settled, through the durable `stake` workflow vs the same
// Lightning calls made directly, measured in one run on the local regtest stack (started or reused).
//   node -r tsx/cjs bench/settlement.ts            (BENCH_SETTLEMENTS=N, default 20)
import { randomBytes, randomUUID } from 'node:crypto';
import { getInvoice, payViaPaymentRequest } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { paymentHashOf } from '../../domain/money/preimages';
import { loadStackConfig } from '../stack/config';
import { stackUp } from '../stack/launcher';
import { connectLnd, readCredentials } from '../stack/lnd';
import { TASK_QUEUES } from '../../temporal-config';
import { stake } from '../../workflows';
import { invoiceQuery, resolveStakeSignal, stakeWorkflowId } from '../../workflows/definitions';
import { startLocalCoordinator } from './local-coordinator';

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
  const payer = connectLnd(readCredentials(config, config.nodes[1]!));
  const coordinator = await startLocalCoordinator(config);
  const { client, coordinatorLnd, lightning } = coordinator;

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

  await coordinator.stop();

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
