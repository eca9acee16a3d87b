import { lnServiceClient } from '../../activities/lightning/ln-service-client';
import { reconcileLedger } from '../../activities/reconcile';
import { ledgerRepository } from '../../db/repos/ledger';
import type { CrashPlan } from '../support/crash/plan';
import { activityAttempts } from '../support/crash/history';
import { unresolved, until } from '../support/crash/lnd-checks';
import type { ScenarioDeps, ScenarioRun } from '../support/crash/scenarios';
import { checkHashes, escrowScenario, stakeScenario } from '../support/crash/scenarios';
import { superviseWorker } from '../support/crash/supervisor';
import { channelBalance, testLnd } from '../support/lightning';
import type { ProcessHarness } from '../support/process-harness';
import { startProcessHarness } from '../support/process-harness';

/** Flows per boundary and kill point (CI runs 25); they run as one batch so a single kill catches them all. */
const FLOWS = Number(process.env.L402_CRASH_FLOWS ?? 25);
/** The issue's bound: everything final and balanced within this long after the last restart. */
const FINAL_WITHIN_MS = 60_000;

const nodes = {
  coordinator: testLnd('coordinator'),
  payer: { name: 'peer3', lnd: testLnd('peer3') },
  earner: { name: 'peer2', lnd: testLnd('peer2') },
};

interface Boundary {
  activity: string;
  /** Attempts of `activity` one flow makes (all of them reach the boundary together). */
  perFlow: number;
  run(deps: ScenarioDeps, flows: number): Promise<ScenarioRun>;
}

const BOUNDARIES: Boundary[] = [
  {
    activity: 'settleHoldInvoice',
    perFlow: 1,
    run: (deps, n) => stakeScenario(deps, nodes.payer, n, 'forfeit'),
  },
  {
    activity: 'cancelHoldInvoice',
    perFlow: 1,
    run: (deps, n) => stakeScenario(deps, nodes.payer, n, 'refund'),
  },
  { activity: 'lockEscrowTranche', perFlow: 2, run: (deps, n) => escrowScenario(deps, nodes.earner, n) },
  { activity: 'revealTranches', perFlow: 1, run: (deps, n) => escrowScenario(deps, nodes.earner, n) },
  // The ledger write of each tranche's outcome (SETTLED / FAILED) after LND resolved it.
  { activity: 'awaitEscrowPayments', perFlow: 1, run: (deps, n) => escrowScenario(deps, nodes.earner, n) },
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

describe('SIGKILL of the control worker inside a money step, then a restart', () => {
  it.each(cases)(
    '%s, killed %s the function: every flow retries and ends final, paid once, ledger equal to LND',
    async (activity, point, boundary) => {
      const deps: ScenarioDeps = {
        client: harness.client,
        prisma: harness.db.prisma,
        coordinator: nodes.coordinator,
      };
      const watched = [{ name: 'coordinator', lnd: nodes.coordinator }, nodes.payer, nodes.earner];
      const before = new Map(
        await Promise.all(watched.map(async (node) => [node.name, await channelBalance(node.lnd)] as const)),
      );
      const plan: CrashPlan = {
        activity,
        point,
        attempt: 1,
        gather: FLOWS * boundary.perFlow,
        gatherMs: 15_000,
      };
      const supervisor = await superviseWorker(harness, 'control', plan);
      const run = await boundary.run(deps, FLOWS);
      const finalAfterRestartMs = Date.now() - supervisor.lastStartAt();
      const restarts = supervisor.restarts();
      await supervisor.stop();

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
      expect(retried).toBe(FLOWS);
      expect(doublePays).toBe(0);
      expect(lostSats).toBe(0);
      expect(moved.map((move) => [move.node, move.actual])).toEqual(
        moved.map((move) => [move.node, move.sats]),
      );
      expect(hashes.problems).toEqual([]);
      for (const node of watched)
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
