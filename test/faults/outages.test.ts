/** @jest-environment ./test/unit/model/onnx-environment.js */
import type { SummaryRow } from '../support/crash/books';
import { channelBalances, expectBalanced, formatSummary, settleUp, stackNodes } from '../support/crash/books';
import { activityCompleted } from '../support/crash/history';
import { until } from '../support/crash/lnd-checks';
import type { ScenarioDeps, ScenarioRun } from '../support/crash/scenarios';
import { escrowScenario, stakeScenario } from '../support/crash/scenarios';
import { trainingScenario } from '../support/crash/training-scenario';
import { restartLnd, testLnd } from '../support/lightning';
import type { ProcessHarness } from '../support/process-harness';
import { startProcessHarness } from '../support/process-harness';
import { threePeers } from '../support/training';
import type { WorkerKind } from '../support/worker-process';

/** Flows per outage: enough that a recovery handling only the first would show. */
const FLOWS = 5;
/** The bound: a payment made during an outage seen, and everything final, this long after the restart. */
const FINAL_WITHIN_MS = 60_000;
/** How long each outage lasts. */
const DOWN_MS = 5_000;

const WATCHED = stackNodes();
const peers = threePeers();
const summary: SummaryRow[] = [];
let harness: ProcessHarness;

beforeAll(async () => {
  harness = await startProcessHarness({ temporal: 'restartable' });
});

afterEach(() => {
  if (process.env.L402_SHOW_WORKER_LOGS === '1') {
    for (const worker of harness.workers) console.log(worker.output.join(''));
  }
});

afterAll(async () => {
  console.log(
    formatSummary('outages (restarts are of the named process; nothing is crash-injected):', summary),
  );
  await harness?.stop();
});

const scenarioDeps = (): ScenarioDeps => ({
  client: harness.client,
  prisma: harness.db.prisma,
  coordinator: testLnd('coordinator'),
  preimageSecret: harness.secrets.preimageSecret,
});

/** Runs `scenario` from a clean set of workers, then settles up and records its summary row. */
async function outage(
  name: string,
  workers: WorkerKind[],
  scenario: (deps: ScenarioDeps, restarted: () => void) => Promise<ScenarioRun>,
): Promise<void> {
  const kinds: WorkerKind[] = ['control', 'validation', 'coordinator'];
  await Promise.all(kinds.map((kind) => harness.killWorkers(kind)));
  for (const kind of workers) await harness.worker(kind);
  const deps = scenarioDeps();
  const before = await channelBalances(WATCHED);
  let restartedAt = 0;
  const run = await scenario(deps, () => {
    restartedAt = Date.now();
  });
  const finalAfterRestartMs = run.finishedAt - restartedAt;
  const books = await settleUp(deps, WATCHED, before, run);
  summary.push({
    name,
    flows: run.workflowIds.length,
    retries: null,
    restarts: 1,
    doublePays: books.doublePays,
    lostSats: books.lostSats,
    finalAfterRestartS: finalAfterRestartMs / 1000,
  });
  expect(restartedAt).toBeGreaterThan(0);
  expectBalanced(books);
  expect(finalAfterRestartMs).toBeLessThanOrEqual(FINAL_WITHIN_MS);
}

describe('outages of the coordinator, its LND and Temporal', () => {
  it('stakes paid while every coordinator process is down are seen within 60 s of the restart and settle once', async () => {
    let seenAfterMs = Number.NaN;
    await outage('stakes paid, coordinator down', ['coordinator'], (deps, restarted) =>
      stakeScenario(deps, { name: 'peer3', lnd: testLnd('peer3') }, FLOWS, 'forfeit', {
        // API, control and validation workers: the one `coordinator run` process is all there is.
        beforePaying: () => harness.killWorkers('coordinator'),
        whileHeld: async (workflowIds) => {
          const rows = () =>
            harness.db.prisma.ledgerEntry.findMany({ where: { workflowId: { in: workflowIds } } });
          // Nobody on the coordinator's side was there to see the payments.
          expect((await rows()).map((row) => row.state)).toEqual(workflowIds.map(() => 'OPEN'));
          await harness.worker('coordinator');
          restarted();
          const startedAt = Date.now();
          await until(
            'every stake seen held (ledger HELD, the watch activity completed)',
            async () =>
              (await rows()).every((row) => row.state === 'HELD') &&
              (
                await Promise.all(
                  workflowIds.map((id) => activityCompleted(harness.client, id, 'awaitInvoiceState')),
                )
              ).every(Boolean),
            FINAL_WITHIN_MS,
          );
          seenAfterMs = Date.now() - startedAt;
        },
      }),
    );
    console.log(
      `stakes paid while the coordinator was down: seen ${(seenAfterMs / 1000).toFixed(1)} s after the restart`,
    );
    expect(seenAfterMs).toBeLessThanOrEqual(FINAL_WITHIN_MS);
  }, 300_000);

  it("escrows whose tranches are held while the coordinator's LND restarts end final, paid once, ledger equal to LND", async () => {
    await outage("coordinator's LND restarted", ['control'], (deps, restarted) =>
      escrowScenario(deps, { name: 'peer2', lnd: testLnd('peer2') }, FLOWS, {
        whileLocked: async () => {
          await restartLnd('coordinator', DOWN_MS);
          restarted();
        },
      }),
    );
  }, 300_000);

  it('a training round whose Temporal server restarts mid-round ends final with its escrows paid once', async () => {
    await outage('Temporal restarted mid-round', ['control', 'validation'], async (deps, restarted) => {
      // A scenario that fails before any tranche is locked must not leave this waiting to restart Temporal under
      // the next test (or the teardown).
      let scenarioOver = false;
      const restart = (async () => {
        await until(
          'a tranche of the round locked',
          async () =>
            scenarioOver ||
            (await harness.db.prisma.ledgerEntry.count({
              where: { direction: 'OUTGOING', state: 'IN_FLIGHT' },
            })) > 0,
          120_000,
        );
        if (scenarioOver) return;
        await harness.restartableTemporal?.restart(DOWN_MS);
        restarted();
      })();
      try {
        return await trainingScenario(deps, peers, 1, 'round');
      } finally {
        scenarioOver = true;
        await restart;
      }
    });
  }, 300_000);
});
