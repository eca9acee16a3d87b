import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { LightningClient } from '../../activities/lightning/client';
import { lnServiceClient } from '../../activities/lightning/ln-service-client';
import { createControlWorker } from '../../server/coordinator/control-worker';
import type { CoordinatorSecrets } from '../../server/coordinator/secrets';
import { createValidationWorker } from '../../server/coordinator/validation-worker';
import type { PrismaClient } from '../../db/client';
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

export interface HarnessOptions {
  /** Activities for a validation-queue worker (or a builder given the test database); none: no such worker. */
  validationActivities?: object | ((prisma: PrismaClient) => object);
  /** The coordinator's node; default the regtest stack's real LND (the fast tier passes a fake). */
  lightning?: LightningClient;
}

/**
 * A Temporal dev server, a fresh PostgreSQL database, a control worker on the coordinator's real LND (or the node
 * given) and, when asked, a validation worker.
 */
export async function startControlHarness(options: HarnessOptions = {}): Promise<ControlHarness> {
  const secrets = testSecrets();
  const [env, db] = await Promise.all([temporalTestEnv(), freshPostgres()]);
  const workers: Worker[] = [
    await createControlWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      lightning: options.lightning ?? lnServiceClient(testLnd('coordinator')),
      prisma: db.prisma,
      secrets,
    }),
  ];
  if (options.validationActivities) {
    workers.push(
      await createValidationWorker({
        connection: env.nativeConnection,
        namespace: 'default',
        secrets,
        activities:
          typeof options.validationActivities === 'function'
            ? options.validationActivities(db.prisma)
            : options.validationActivities,
      }),
    );
  }
  const running = workers.map((worker) => worker.run());
  return {
    env,
    db,
    secrets,
    client: codecClient(env, secrets),
    stop: async () => {
      for (const worker of workers) worker.shutdown();
      await Promise.all(running);
      await env.teardown();
      await db.drop();
    },
  };
}
