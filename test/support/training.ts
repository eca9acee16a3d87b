import { lnServiceClient } from '../../activities/lightning/ln-service-client';
import { trainingValidationActivities } from '../../activities/training-validation';
import { apiRoutes } from '../../server/coordinator/routes';
import type { TrainingConfig } from '../../server/coordinator/training-settings';
import { lazyTrainingScorer } from '../../server/coordinator/training-scorer';
import type { PrismaClient } from '../../db/client';
import { databaseBlobStore } from '../../db/blobs';
import { trainingRepository } from '../../db/repos/training';
import { DEFAULT_MODEL } from '../../model/config';
import { threadedReferenceTrainer } from '../../clients/peer/trainer-thread';
import { testLnd } from './lightning';
import { DEFAULT_WIRE_SETTINGS } from '../../kernels/wire-parameters';
import { DEFAULT_DECISION_RULE } from '../../domain/training/decide';
import { TASK_QUEUES } from '../../temporal-config';
import { trainingRun } from '../../workflows';
import type { RoundSettings } from '../../workflows/training-definitions';
import { trainingRunWorkflowId } from '../../workflows/training-definitions';
import type { TestApi } from './api';
import { startTestApi } from './api';
import type { ControlHarness } from './harness';
import { startControlHarness } from './harness';

export function roundSettings(peers: string[], stakeSats = 0): RoundSettings {
  return {
    peers,
    submitWithinSeconds: 120,
    scoreWithinSeconds: 120,
    payout: { kind: 'linear-capped', capSats: 3_000, rateSatsPerUnit: 20_000, trancheCount: 3 },
    decision: DEFAULT_DECISION_RULE,
    outerLearningRate: 2,
    maxPayloadBytes: 200_000,
    compression: DEFAULT_WIRE_SETTINGS,
    stakeSats,
    escrow: {
      invoiceWithinSeconds: 60,
      decideWithinSeconds: 300,
      maxInvoiceCltvDelta: 80,
      routingCltvBlocks: 40,
      fees: { ppm: 1_000, baseSats: 1, maxSats: 100 },
    },
  };
}

/**
 * Two honest reference peers and a sign-flipping poisoner, each on its own node and training shard. Each trains on
 * its own thread, so the API in this process answers while they train; the threads end after the file's tests.
 */
export function threePeers() {
  const peers = [
    {
      peerId: 'alice',
      node: 'peer',
      lnd: testLnd('peer'),
      trainer: threadedReferenceTrainer({ shard: 0, shards: 3 }),
    },
    {
      peerId: 'bob',
      node: 'peer2',
      lnd: testLnd('peer2'),
      trainer: threadedReferenceTrainer({ shard: 1, shards: 3 }),
    },
    {
      peerId: 'mallory',
      node: 'peer3',
      lnd: testLnd('peer3'),
      trainer: threadedReferenceTrainer({ shard: 2, shards: 3, poison: true }),
    },
  ];
  afterAll(() => Promise.all(peers.map((peer) => peer.trainer.close())));
  return peers.map(({ trainer, ...peer }) => ({ ...peer, train: trainer.train }));
}

/** The real scoring worker's activities on the test database (ONNX scoring of the default model). */
export function realTrainingValidation(prisma: PrismaClient) {
  const blobs = databaseBlobStore(prisma);
  return trainingValidationActivities({
    training: trainingRepository(prisma, blobs),
    blobs,
    model: DEFAULT_MODEL,
    scorer: lazyTrainingScorer(),
  });
}

/**
 * A harness with the real scoring worker and the coordinator's API serving `training` on the coordinator's LND;
 * with `run`, the training run's workflow is started too.
 */
export async function startTrainingApi(
  training: TrainingConfig,
  run?: { rounds: number; seed: number },
): Promise<{ harness: ControlHarness; api: TestApi }> {
  const harness = await startControlHarness({ validationActivities: realTrainingValidation });
  const api = await startTestApi(
    apiRoutes({
      temporal: harness.client,
      prisma: harness.db.prisma,
      lightning: lnServiceClient(testLnd('coordinator')),
      training,
    }),
  );
  if (run) {
    await harness.client.workflow.start(trainingRun, {
      taskQueue: TASK_QUEUES.control,
      workflowId: trainingRunWorkflowId(training.runId),
      args: [{ runId: training.runId, ...run, settings: training.settings }],
    });
  }
  return { harness, api };
}

/**
 * {@link startTrainingApi} for the tests of one file: started before them, stopped after them. Its fields are set
 * once the file's `beforeAll` has run.
 */
export function trainingApiForFile(training: TrainingConfig): { harness: ControlHarness; api: TestApi } {
  const started = {} as { harness: ControlHarness; api: TestApi };
  beforeAll(async () => {
    Object.assign(started, await startTrainingApi(training));
  });
  afterAll(async () => {
    await started.api?.close();
    await started.harness?.stop();
  });
  return started;
}
