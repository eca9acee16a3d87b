/** @jest-environment ./test/unit/model/onnx-environment.js */
import { lnServiceClient } from '../../activities/lightning/ln-service-client';
import { reconcileLedger } from '../../activities/reconcile';
import { ledgerRepository } from '../../db/repos/ledger';
import type { Companions } from '../support/crash/companions';
import { fakeBountyValidator, plainWorker } from '../support/crash/companions';
import type { CrashPlan } from '../support/crash/plan';
import { activityAttempts } from '../support/crash/history';
import { unresolved, until } from '../support/crash/lnd-checks';
import { refundScenario } from '../support/crash/refund-scenario';
import type { ScenarioDeps, ScenarioRun } from '../support/crash/scenarios';
import { checkHashes, escrowScenario, stakeScenario } from '../support/crash/scenarios';
import { superviseWorker } from '../support/crash/supervisor';
import { PEERS_PER_ROUND, trainingRuns, trainingScenario } from '../support/crash/training-scenario';
import { channelBalance, testLnd } from '../support/lightning';
import { threePeers } from '../support/training';
import type { ProcessHarness } from '../support/process-harness';
import { startProcessHarness } from '../support/process-harness';

/** Flows per boundary and kill point (the issue asks 25); they run as one batch so a single kill catches them all. */
const FLOWS = Number(process.env.L402_CRASH_FLOWS ?? 25);
/** The issue's bound: everything final and balanced within this long after the last restart. */
const FINAL_WITHIN_MS = 60_000;

const node = (name: string) => ({ name, lnd: testLnd(name) });
const nodes = {
  coordinator: testLnd('coordinator'),
  payer: node('peer3'),
  earner: node('peer2'),
  sponsor: node('sponsor'),
};
const peers = threePeers();
/** Every node of the stack: each one's channel balance must end exactly where the scenario says. */
const WATCHED = ['coordinator', 'peer', 'sponsor', 'peer2', 'peer3'].map(node);

interface Boundary {
  activity: string;
  /** The kind of worker that runs `activity`: the one killed at the boundary. */
  kind: 'control' | 'validation';
  /** Attempts of `activity` that reach the boundary together when `flows` flows run. */
  attempts(flows: number): number;
  /** Workers the scenario needs besides the killed one. */
  companions?(harness: ProcessHarness): Promise<Companions>;
  run(deps: ScenarioDeps, flows: number): Promise<ScenarioRun>;
}

const BOUNDARIES: Boundary[] = [
  {
    activity: 'settleHoldInvoice',
    kind: 'control',
    attempts: (n) => n,
    run: (deps, n) => stakeScenario(deps, nodes.payer, n, 'forfeit'),
  },
  {
    activity: 'cancelHoldInvoice',
    kind: 'control',
    attempts: (n) => n,
    run: (deps, n) => stakeScenario(deps, nodes.payer, n, 'refund'),
  },
  {
    activity: 'lockEscrowTranche',
    kind: 'control',
    attempts: (n) => 2 * n,
    run: (deps, n) => escrowScenario(deps, nodes.earner, n),
  },
  {
    activity: 'revealTranches',
    kind: 'control',
    attempts: (n) => n,
    run: (deps, n) => escrowScenario(deps, nodes.earner, n),
  },
  // The ledger write of each tranche's outcome (SETTLED / FAILED) after LND resolved it.
  {
    activity: 'awaitEscrowPayments',
    kind: 'control',
    attempts: (n) => n,
    run: (deps, n) => escrowScenario(deps, nodes.earner, n),
  },
  // The sponsor's refund keysend and its ledger row; each of its two passes is killed once.
  {
    activity: 'refundSponsor',
    kind: 'control',
    attempts: (n) => n,
    companions: fakeBountyValidator,
    run: (deps, n) => refundScenario(deps, nodes.sponsor, n),
  },
  {
    activity: 'recordTrainingSubmission',
    kind: 'control',
    attempts: (n) => trainingRuns(n, 'submission') * PEERS_PER_ROUND,
    companions: (harness) => plainWorker(harness, 'validation'),
    run: (deps, n) => trainingScenario(deps, peers, trainingRuns(n, 'submission'), 'submission'),
  },
  // The sparse mean, the outer step and the checkpoint save, on the validation worker.
  {
    activity: 'aggregateRound',
    kind: 'validation',
    attempts: (n) => n,
    companions: (harness) => plainWorker(harness, 'control'),
    run: (deps, n) => trainingScenario(deps, peers, trainingRuns(n, 'round'), 'round'),
  },
];

interface SummaryRow {
  boundary: string;
  flows: number;
  retries: number;
  restarts: number;
  doublePays: number;
  lostSats: number;
  finalAfterRestartS: number;
}

const summary: SummaryRow[] = [];
let harness: ProcessHarness;

beforeAll(async () => {
  harness = await startProcessHarness();
});

afterEach(() => {
  if (process.env.L402_SHOW_WORKER_LOGS === '1') {
    for (const worker of harness.workers) console.log(worker.output.join(''));
  }
});

afterAll(async () => {
  console.log(
    [
      'crash matrix (per boundary and kill point):',
      'boundary                              flows retries restarts double-pays lost-sats final-after-restart',
      ...summary.map(
        (row) =>
          `${row.boundary.padEnd(38)}${String(row.flows).padStart(5)}${String(row.retries).padStart(8)}` +
          `${String(row.restarts).padStart(9)}${String(row.doublePays).padStart(12)}` +
          `${String(row.lostSats).padStart(10)}${`${row.finalAfterRestartS.toFixed(1)} s`.padStart(20)}`,
      ),
    ].join('\n'),
  );
  await harness?.stop();
});

const cases = BOUNDARIES.flatMap((boundary) =>
  (['before', 'after'] as const).map((point) => [boundary.activity, point, boundary] as const),
);

describe('SIGKILL of the worker inside a money or bookkeeping step, then a restart', () => {
  it.each(cases)(
    '%s, killed %s the function: every flow retries and ends final, paid once, ledger equal to LND',
    async (activity, point, boundary) => {
      const deps: ScenarioDeps = {
        client: harness.client,
        prisma: harness.db.prisma,
        coordinator: nodes.coordinator,
        preimageSecret: harness.secrets.preimageSecret,
      };
      const before = new Map(
        await Promise.all(WATCHED.map(async (node) => [node.name, await channelBalance(node.lnd)] as const)),
      );
      const plan: CrashPlan = {
        activity,
        point,
        attempt: 1,
        gather: boundary.attempts(FLOWS),
        gatherMs: 15_000,
      };
      // One worker of each kind at a time: what the previous case left running goes first.
      await Promise.all([harness.killWorkers('control'), harness.killWorkers('validation')]);
      const companions = await boundary.companions?.(harness);
      const supervisor = await superviseWorker(harness, boundary.kind, plan);
      const run = await boundary.run(deps, FLOWS).finally(async () => {
        await supervisor.stop();
        await companions?.stop();
      });
      const finalAfterRestartMs = run.finishedAt - supervisor.lastStartAt();
      const restarts = supervisor.restarts();

      const attempts = await Promise.all(
        run.workflowIds.map((workflowId) => activityAttempts(harness.client, workflowId, activity)),
      );
      const retried = attempts.filter((perFlow) => perFlow.some((attempt) => attempt >= 2)).length;

      const moved = await Promise.all(
        run.moves.map(async (move) => {
          const from = before.get(move.node) as number;
          // LND updates a channel balance a moment after the HTLC resolves.
          const now = await until(
            `${move.node}'s balance to move by ${move.sats}`,
            async () => {
              const balance = await channelBalance(move.lnd);
              return balance - from === move.sats && balance;
            },
            15_000,
          ).catch(() => channelBalance(move.lnd));
          return { ...move, actual: now - from };
        }),
      );
      const hashes = await checkHashes(deps, run.hashes);
      // A node that ends below where it should lost sats; one that ends above it was paid twice.
      const lostSats = moved.reduce((total, move) => total + Math.max(0, move.sats - move.actual), 0);
      const overpaid = moved.filter((move) => move.actual > move.sats).length;
      const doublePays = hashes.doublePays.length + overpaid;
      summary.push({
        boundary: `${activity} (${point})`,
        flows: run.workflowIds.length,
        retries: retried,
        restarts,
        doublePays,
        lostSats,
        finalAfterRestartS: finalAfterRestartMs / 1000,
      });

      expect(restarts).toBeGreaterThanOrEqual(1);
      expect(run.workflowIds.length).toBeGreaterThanOrEqual(FLOWS);
      expect(retried).toBe(run.workflowIds.length);
      expect(run.problems ?? []).toEqual([]);
      expect(doublePays).toBe(0);
      expect(lostSats).toBe(0);
      expect(moved.map((move) => [move.node, move.actual])).toEqual(
        moved.map((move) => [move.node, move.sats]),
      );
      expect(hashes.problems).toEqual([]);
      for (const node of WATCHED)
        expect(await unresolved(node.lnd)).toEqual({ heldInvoices: [], pendingHtlcs: 0 });
      const ledger = ledgerRepository(harness.db.prisma);
      expect(await ledger.listNonFinal()).toEqual([]);
      expect(
        await reconcileLedger({ ledger, lightning: lnServiceClient(nodes.coordinator) }, { repair: false }),
      ).toEqual([]);
      expect(finalAfterRestartMs).toBeLessThanOrEqual(FINAL_WITHIN_MS);
    },
    600_000,
  );
});
