// GET /status under a flood of unpaid requests to paid routes (issue 13, attack 7; DESIGN H5), measured in one run on
// the local regtest stack (started or reused). Two coordinators take the same flood, one after the other: ours, with
// the gate's per-client buckets and challenge reuse (a tight baseline bucket: burst 5, 60 a minute), and a baseline
// gate with neither, which mints an invoice and starts a workflow for every request. 32 loopback clients hammer the
// baseline route of 12 bounties and unknown bounty ids, without credentials, while /status is sampled.
//   node -r tsx/cjs bench/flood.ts        (BENCH_SAMPLES=300 /status samples per phase, 20 ms apart; BENCH_FLOOD_MAX=20000 requests)
import { randomUUID } from 'node:crypto';
import { getInvoices, getWalletInfo } from 'ln-service';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { GateLimits, RouteLimits } from '../../api/rate-limit';
import { DEFAULT_ROUTE_LIMITS, GATED_ROUTES } from '../../api/rate-limit';
import { loadTrainingConfig } from '../../server/coordinator/training-settings';
import { validationActivities } from '../../server/coordinator/validator';
import { loadStackConfig } from '../stack/config';
import type { StackConfig } from '../stack/config';
import { stackUp } from '../stack/launcher';
import { startLocalCoordinator } from './local-coordinator';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const WARMUP = 50;
const FLOOD_CLIENTS = 32;
const FLOOD_MAX_REQUESTS = Number(process.env.BENCH_FLOOD_MAX ?? 20_000);
const BOUNTIES = 12;
/** /status samples under flood are spaced, so both coordinators take the flood over the same few seconds. */
const SPACING_MS = 20;

const withLimits = (limits: Partial<GateLimits>): RouteLimits =>
  Object.fromEntries(
    GATED_ROUTES.map((route) => [route, { ...DEFAULT_ROUTE_LIMITS[route], ...limits }]),
  ) as RouteLimits;
const GATED = withLimits({ challengesPerClient: { burst: 5, perMinute: 60 } });
const UNGATED = withLimits({
  challengesPerClient: { burst: 100_000, perMinute: 1_000_000 },
  reuseChallengeSeconds: 0,
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** A request that outlives this counts as failed (its time is recorded as this long). */
const REQUEST_TIMEOUT_MS = 30_000;

/** `count` GET /status, one every `spacingMs` at most: the window the flood is measured over. */
async function statusLatencies(apiUrl: string, count: number, spacingMs = 0): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i += 1) {
    if (spacingMs > 0) await new Promise((resolve) => setTimeout(resolve, spacingMs));
    const started = performance.now();
    const answered = await fetch(`${apiUrl}/status`, {
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    }).then(
      async (response) => (await response.arrayBuffer(), response.status === 200),
      () => false,
    );
    latencies.push(answered ? performance.now() - started : REQUEST_TIMEOUT_MS);
  }
  return latencies;
}

interface Phase {
  name: string;
  idle: number[];
  flooded: number[];
  sent: number;
  floodSeconds: number;
  statuses: Record<string, number>;
  minted: number;
  workflows: number;
}

async function floodPhase(stack: StackConfig, name: string, rateLimits: RouteLimits): Promise<Phase> {
  const local = await startLocalCoordinator(stack, {
    training: loadTrainingConfig(),
    validation: validationActivities,
    rateLimits,
  });
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
      if (created.status !== 201) throw new Error(`POST /bounties answered ${created.status}`);
      bounties.push(((await created.json()) as { bountyId: string }).bountyId);
    }
    const invoices = async () =>
      (await getInvoices({ lnd: local.coordinatorLnd, limit: 100_000 })).invoices.length;
    const accessFees = async () => (await local.client.workflow.count('WorkflowType = "accessFee"')).count;

    await statusLatencies(local.apiUrl, WARMUP);
    const idle = await statusLatencies(local.apiUrl, SAMPLES);
    const invoicesBefore = await invoices();
    const workflowsBefore = await accessFees();
    const statuses: Record<string, number> = {};
    let sent = 0;
    let flooding = true;
    const client = async () => {
      while (flooding && sent < FLOOD_MAX_REQUESTS) {
        const i = sent++;
        const id = i % 4 === 3 ? randomUUID() : bounties[i % BOUNTIES];
        const answer = await fetch(`${local.apiUrl}/bounty/${id}`, {
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        }).then(
          async (response) => (await response.arrayBuffer(), String(response.status)),
          () => 'no answer',
        );
        statuses[answer] = (statuses[answer] ?? 0) + 1;
      }
    };
    const floodStarted = performance.now();
    const flood = Promise.all(Array.from({ length: FLOOD_CLIENTS }, client));
    await statusLatencies(local.apiUrl, WARMUP);
    const flooded = await statusLatencies(local.apiUrl, SAMPLES, SPACING_MS);
    flooding = false;
    await flood;
    const floodSeconds = (performance.now() - floodStarted) / 1000;
    const minted = (await invoices()) - invoicesBefore;
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // visibility catches up
    return {
      name,
      idle,
      flooded,
      sent,
      floodSeconds,
      statuses,
      minted,
      workflows: (await accessFees()) - workflowsBefore,
    };
  } finally {
    await local.stop();
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stack = loadStackConfig();
  await stackUp(stack);
  const phases = [
    await floodPhase(stack, 'ours (gated)', GATED),
    await floodPhase(stack, 'no gate', UNGATED),
  ];

  const cells = (values: number[]) =>
    [50, 90, 99].map((p) => percentile(values, p).toFixed(2).padStart(8)).join(' ');
  console.log(`GET /status latency (ms), ${SAMPLES} samples per phase after ${WARMUP} warm-up requests;`);
  console.log(`${FLOOD_CLIENTS} flooding clients, at most ${FLOOD_MAX_REQUESTS} unpaid requests per phase`);
  console.log(
    `${'coordinator'.padEnd(14)} ${'load'.padEnd(6)} ${['p50', 'p90', 'p99'].map((h) => h.padStart(8)).join(' ')}`,
  );
  for (const phase of phases) {
    console.log(`${phase.name.padEnd(14)} ${'idle'.padEnd(6)} ${cells(phase.idle)}`);
    console.log(`${phase.name.padEnd(14)} ${'flood'.padEnd(6)} ${cells(phase.flooded)}`);
    console.log(
      `  ${phase.sent} unpaid requests in ${phase.floodSeconds.toFixed(1)} s (${(phase.sent / phase.floodSeconds).toFixed(0)}/s), answers ${JSON.stringify(phase.statuses)}; invoices minted ${phase.minted}, ` +
        `accessFee workflows started ${phase.workflows} (${((1000 * phase.minted) / phase.sent).toFixed(1)} per 1000 requests); p99 flood/idle ${(percentile(phase.flooded, 99) / percentile(phase.idle, 99)).toFixed(1)}x`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
