// GET /status under a flood of unpaid requests to paid routes (issue 13, attack 7; DESIGN H5), measured in one run on
// the local regtest stack (started or reused): /status latency idle vs while 32 loopback clients hammer the bounty
// baseline route (L402 access fee) of 12 bounties and of unknown bounty ids, all without credentials. The gate's
// per-client bucket and challenge reuse should keep the invoices (and accessFee workflows) minted to a handful.
//   node -r tsx/cjs bench/flood.ts        (BENCH_SAMPLES=500 per phase, BENCH_FLOOD_SECONDS=60 at most)
import { randomUUID } from 'node:crypto';
import { getInvoices, getWalletInfo } from 'ln-service';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadTrainingConfig } from '../coordinator/training-settings';
import { loadStackConfig } from '../stack/config';
import { stackUp } from '../stack/launcher';
import { startLocalCoordinator } from './local-coordinator';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 500);
const WARMUP = 50;
const FLOOD_CLIENTS = 32;
const FLOOD_SECONDS = Number(process.env.BENCH_FLOOD_SECONDS ?? 60);
const FLOOD_MAX_REQUESTS = 50_000;
const BOUNTIES = 12;
// The coordinator's own configuration path; a tighter baseline bucket than the default so the flood meets it.
process.env.L402_RATE_LIMITS ??= JSON.stringify({
  'bounty:baseline': { challengesPerClient: { burst: 5, perMinute: 60 } },
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function statusLatencies(apiUrl: string, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    const response = await fetch(`${apiUrl}/status`);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`/status answered ${response.status}`);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stack = loadStackConfig();
  await stackUp(stack);
  const local = await startLocalCoordinator(stack, { training: loadTrainingConfig() });
  try {
    const { public_key } = await getWalletInfo({ lnd: local.coordinatorLnd });
    const bounties: string[] = [];
    for (let i = 0; i < BOUNTIES; i += 1) {
      const created = await fetch(`${local.apiUrl}/bounties`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          bundle: 'example-sort',
          budgetSats: 1_100,
          payoutRule: { kind: 'linear-capped', capSats: 1_000, rateSatsPerUnit: 100, trancheCount: 2 },
          stakeSats: 0,
          baselineFeeSats: 1 + i,
          sponsorPublicKey: public_key,
          deadline: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      });
      bounties.push(((await created.json()) as { bountyId: string }).bountyId);
    }
    const invoices = async () =>
      (await getInvoices({ lnd: local.coordinatorLnd, limit: 10_000 })).invoices.length;
    const accessFees = async () => (await local.client.workflow.count('WorkflowType = "accessFee"')).count;

    await statusLatencies(local.apiUrl, WARMUP);
    const idle = await statusLatencies(local.apiUrl, SAMPLES);

    const invoicesBefore = await invoices();
    const workflowsBefore = await accessFees();
    const statuses: Record<number, number> = {};
    let sent = 0;
    let flooding = true;
    const deadline = Date.now() + FLOOD_SECONDS * 1000;
    const client = async () => {
      while (flooding && sent < FLOOD_MAX_REQUESTS && Date.now() < deadline) {
        const i = sent++;
        const id = i % 4 === 3 ? randomUUID() : bounties[i % BOUNTIES];
        const response = await fetch(`${local.apiUrl}/bounty/${id}`);
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      }
    };
    const floodStarted = performance.now();
    const flood = Promise.all(Array.from({ length: FLOOD_CLIENTS }, client));
    await statusLatencies(local.apiUrl, WARMUP);
    const flooded = await statusLatencies(local.apiUrl, SAMPLES);
    flooding = false;
    await flood;
    const floodMs = performance.now() - floodStarted;
    const minted = (await invoices()) - invoicesBefore;
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // visibility catches up
    const workflows = (await accessFees()) - workflowsBefore;

    const row = (name: string, values: number[]) =>
      `${name.padEnd(22)} ${[50, 90, 99].map((p) => percentile(values, p).toFixed(2).padStart(8)).join(' ')}`;
    console.log(`GET /status latency (ms), ${SAMPLES} samples per phase after ${WARMUP} warm-up requests`);
    console.log(`${'phase'.padEnd(22)} ${['p50', 'p90', 'p99'].map((h) => h.padStart(8)).join(' ')}`);
    console.log(row('idle', idle));
    console.log(row(`flood (${FLOOD_CLIENTS} clients)`, flooded));
    console.log(
      `flood: ${sent} unpaid requests in ${(floodMs / 1000).toFixed(1)} s (${((sent / floodMs) * 1000).toFixed(0)}/s), ` +
        `answers ${JSON.stringify(statuses)}; invoices minted ${minted}, accessFee workflows started ${workflows}`,
    );
    console.log(
      `p99 under flood / idle: ${(percentile(flooded, 99) / percentile(idle, 99)).toFixed(1)}x, ` +
        `p50: ${(percentile(flooded, 50) / percentile(idle, 50)).toFixed(1)}x`,
    );
  } finally {
    await local.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
