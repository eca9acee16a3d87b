/** @jest-environment ./test/unit/model/onnx-environment.js */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { reconcileLedger } from '../../../activities/reconcile';
import { auditTrainingRun } from '../../../audit/training-audit';
import { apiRouters } from '../../../coordinator/routes';
import { startTestApi } from '../../support/api';
import { loadSecrets } from '../../../coordinator/secrets';
import { lazyTrainingScorer } from '../../../coordinator/training-scorer';
import { ledgerRepository } from '../../../db/repos/ledger';
import { trainingRepository } from '../../../db/repos/training';
import { playRound } from '../../../peer/client';
import { credentialsPath } from '../../../stack/lnd';
import { TASK_QUEUES } from '../../../temporal-config';
import { createEncryptionCodec } from '../../../temporal-config/codec';
import { trainingRun } from '../../../workflows';
import type { RunStatus } from '../../../workflows/training-definitions';
import { trainingRunWorkflowId } from '../../../workflows/training-definitions';
import { freshPostgres } from '../../support/database';
import { testLnd } from '../../support/lightning';
import { testStackConfig } from '../../support/stack-config';
import { temporalTestEnv } from '../../support/temporal';
import { roundSettings, threePeers } from '../../support/training';
import type { WorkerProcess } from '../../support/worker-process';
import { startWorkerProcess } from '../../support/worker-process';
import { codecClient } from '../../support/workflows';

const ROUNDS = 2;
const coordinator = testLnd('coordinator');
const peers = threePeers();
const settings = roundSettings(peers.map((peer) => peer.peerId));
let env: TestWorkflowEnvironment;
let db: Awaited<ReturnType<typeof freshPostgres>>;
let client: Client;
let dir: string;
let secretsFile: string;
let workerEnv: NodeJS.ProcessEnv;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [env, db] = await Promise.all([temporalTestEnv(), freshPostgres()]);
  dir = mkdtempSync(path.join(tmpdir(), 'l402-round-kill-'));
  secretsFile = path.join(dir, 'secrets.json');
  client = codecClient(env, loadSecrets(secretsFile));
  workerEnv = {
    L402_DATA_DIR: dir,
    TEMPORAL_ADDRESS: env.address,
    DATABASE_URL: db.url,
    L402_LND_CREDENTIALS: credentialsPath(testStackConfig(), 'coordinator'),
    L402_SECRETS_FILE: secretsFile,
  };
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill('SIGTERM')));
  await env?.teardown();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function worker(kind: 'control' | 'validation'): Promise<WorkerProcess> {
  const started = await startWorkerProcess(workerEnv, kind);
  workers.push(started);
  return started;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([['control'], ['validation']] as const)('SIGKILL of the %s worker during a round', (kind) => {
  it('finishes every round with each submission decided once, nothing left held, and the audit passing', async () => {
    const runId = `kill-${kind}-${randomUUID()}`;
    const api = await startTestApi(
      apiRouters({
        temporal: client,
        prisma: db.prisma,
        lightning: lnServiceClient(coordinator),
        training: { runId, settings },
      }),
    );
    const current = { control: await worker('control'), validation: await worker('validation') };

    const run = await client.workflow.start(trainingRun, {
      taskQueue: TASK_QUEUES.control,
      workflowId: trainingRunWorkflowId(runId),
      args: [{ runId, rounds: ROUNDS, seed: 5, settings }],
    });
    const playing = Promise.all(
      peers.map(async (peer) => {
        let last = -1;
        for (let round = 0; round < ROUNDS; round++) {
          last = (await playRound({ apiUrl: api.url, ...peer, cltvDelta: 60, pollMs: 200 }, last)).round;
        }
      }),
    );
    const killAfterMs = 2_000 + Math.floor(Math.random() * 6_000);
    console.log(`killing the ${kind} worker ${killAfterMs} ms into the run`);
    await sleep(killAfterMs);
    await current[kind].kill('SIGKILL');
    await sleep(1_000);
    current[kind] = await worker(kind);

    await playing;
    const status = (await run.result()) as RunStatus;
    await api.close();

    expect(status.state).toBe('finished');
    expect(status.history.map((round) => round.submitted)).toEqual([3, 3]);
    for (let round = 0; round < ROUNDS; round++) {
      const decided = await trainingRepository(db.prisma).submissions(runId, round);
      expect(decided.map((row) => row.peerId).sort()).toEqual(['alice', 'bob', 'mallory']);
    }
    const ledger = ledgerRepository(db.prisma);
    expect(await ledger.listNonFinal()).toEqual([]);
    expect(
      await reconcileLedger({ ledger, lightning: lnServiceClient(coordinator) }, { repair: false }),
    ).toEqual([]);
    const report = await auditTrainingRun(
      {
        client,
        codec: createEncryptionCodec(loadSecrets(secretsFile).codecKeys),
        prisma: db.prisma,
        lightning: lnServiceClient(coordinator),
        scorer: lazyTrainingScorer(),
      },
      runId,
    );
    expect(report.findings).toEqual([]);
  });
});
