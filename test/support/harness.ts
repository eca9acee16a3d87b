import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { lnServiceClient } from '../../activities/lightning/ln-service-client';
import { createControlWorker } from '../../coordinator/control-worker';
import type { CoordinatorSecrets } from '../../coordinator/secrets';
import { freshPostgres } from './database';
import { testLnd } from './lightning';
import { temporalTestEnv } from './temporal';
import { codecClient, testSecrets } from './workflows';

export interface ControlHarness {
  env: TestWorkflowEnvironment;
  db: Awaited<ReturnType<typeof freshPostgres>>;
  client: Client;
  secrets: CoordinatorSecrets;
  stop(): Promise<void>;
}

/** A Temporal dev server, a fresh PostgreSQL database and a control worker on the coordinator's real LND. */
export async function startControlHarness(): Promise<ControlHarness> {
  const secrets = testSecrets();
  const [env, db] = await Promise.all([temporalTestEnv(), freshPostgres()]);
  const worker: Worker = await createControlWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    lightning: lnServiceClient(testLnd('coordinator')),
    prisma: db.prisma,
    secrets,
  });
  const running = worker.run();
  return {
    env,
    db,
    secrets,
    client: codecClient(env, secrets),
    stop: async () => {
      worker.shutdown();
      await running;
      await env.teardown();
      await db.drop();
    },
  };
}
