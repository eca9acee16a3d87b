/** @jest-environment ./test/unit/model/onnx-environment.js */
import type { Companions } from '../support/crash/companions';
import { fakeBountyValidator, plainWorker } from '../support/crash/companions';
import type { CrashPlan } from '../support/crash/plan';
import { activityAttempts } from '../support/crash/history';
import type { SummaryRow } from '../support/crash/books';
import { channelBalances, expectBalanced, formatSummary, settleUp, stackNodes } from '../support/crash/books';
import { refundScenario } from '../support/crash/refund-scenario';
import type { ScenarioDeps, ScenarioRun } from '../support/crash/scenarios';
import { escrowScenario, stakeScenario } from '../support/crash/scenarios';
import { superviseWorker } from '../support/crash/supervisor';
import { PEERS_PER_ROUND, trainingRuns, trainingScenario } from '../support/crash/training-scenario';
import { testLnd } from '../support/lightning';
import { threePeers } from '../support/training';
import type { ProcessHarness } from '../support/process-harness';
import { startProcessHarness } from '../support/process-harness';

/** Flows per boundary and kill point (the issue asks 25); they run as one batch so a single kill catches them all. */
const FLOWS = Number(process.env.L402_CRASH_FLOWS ?? 25);
/** The bound: everything final and balanced within this long after the last restart. */
const FINAL_WITHIN_MS = 60_000;

const node = (name: string) => ({ name, lnd: testLnd(name) });
const nodes = {
  coordinator: testLnd('coordinator'),
  payer: node('peer3'),
  earner: node('peer2'),
  sponsor: node('sponsor'),
};
const peers = threePeers();
const WATCHED = stackNodes();

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
  console.log(formatSummary('crash matrix (per boundary and kill point):', summary));
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
      const before = await channelBalances(WATCHED);
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
      // Twice the bound: time for the scenario's own checks after its flows are final (measured below).
      const supervisor = await superviseWorker(harness, boundary.kind, plan, 2 * FINAL_WITHIN_MS);
      const run = await Promise.race([boundary.run(deps, FLOWS), supervisor.stalled]).finally(async () => {
        await supervisor.stop();
        await companions?.stop();
      });
      const finalAfterRestartMs = run.finishedAt - supervisor.lastStartAt();
      const restarts = supervisor.restarts();

      const attempts = await Promise.all(
        run.workflowIds.map((workflowId) => activityAttempts(harness.client, workflowId, activity)),
      );
      const retried = attempts.filter((perFlow) => perFlow.some((attempt) => attempt >= 2)).length;

      const books = await settleUp(deps, WATCHED, before, run);
      summary.push({
        name: `${activity} (${point})`,
        flows: run.workflowIds.length,
        retries: retried,
        restarts,
        doublePays: books.doublePays,
        lostSats: books.lostSats,
        finalAfterRestartS: finalAfterRestartMs / 1000,
      });

      expect(restarts).toBeGreaterThanOrEqual(1);
      expect(run.workflowIds.length).toBeGreaterThanOrEqual(FLOWS);
      expect(retried).toBe(run.workflowIds.length);
      expectBalanced(books);
      expect(finalAfterRestartMs).toBeLessThanOrEqual(FINAL_WITHIN_MS);
    },
    600_000,
  );
});
