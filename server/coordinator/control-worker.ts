import { readFileSync } from 'node:fs';
import type { NativeConnection } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { failureBoundary } from '../../activities/failure-boundary';
import type { LightningClient } from '../../activities/lightning/client';
import type { PrismaClient } from '../../db/client';
import { bountyRepository } from '../../db/repos/bounties';
import { ledgerRepository } from '../../db/repos/ledger';
import { revealedPreimagesRepository } from '../../db/repos/revealed-preimages';
import { earnerLiquidityRepository } from '../../db/repos/earner-liquidity';
import { trainingRepository } from '../../db/repos/training';
import { blobStoreFor } from '../../db/blobs';
import { TASK_QUEUES } from '../../temporal-config';
import type { CoordinatorSecrets } from './secrets';
import { dataConverter } from './temporal';

export interface ControlWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  lightning: LightningClient;
  prisma: PrismaClient;
  secrets: CoordinatorSecrets;
  identity?: string;
}

/** The control queue's activities (Lightning and database) on this node and database. */
export function controlActivities(deps: Pick<ControlWorkerDeps, 'lightning' | 'prisma' | 'secrets'>) {
  const blobs = blobStoreFor(deps.prisma);
  return createActivities({
    lightning: deps.lightning,
    ledger: ledgerRepository(deps.prisma),
    revealed: revealedPreimagesRepository(deps.prisma),
    earners: earnerLiquidityRepository(deps.prisma),
    bounties: bountyRepository(deps.prisma),
    training: trainingRepository(deps.prisma, blobs),
    blobs,
    preimageSecret: deps.secrets.preimageSecret,
  });
}

/** The control queue's worker options: all workflows, plus the Lightning and database activities. */
export function controlWorkerOptions(deps: ControlWorkerDeps): WorkerOptions {
  return {
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: TASK_QUEUES.control,
    workflowsPath: require.resolve('../../workflows'),
    activities: controlActivities(deps),
    interceptors: { activity: [failureBoundary] },
    dataConverter: dataConverter(deps.secrets),
    ...(deps.identity ? { identity: deps.identity } : {}),
  };
}

/** The worker of the control queue. */
export function createControlWorker(deps: ControlWorkerDeps): Promise<Worker> {
  return Worker.create(controlWorkerOptions(deps));
}

export function readLndCredentials(file: string): { socket: string; cert: string; macaroon: string } {
  return JSON.parse(readFileSync(file, 'utf8')) as { socket: string; cert: string; macaroon: string };
}
