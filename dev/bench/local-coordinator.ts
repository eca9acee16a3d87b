import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { lnServiceClient } from '../../activities/lightning/ln-service-client';
import { createApp } from '../../api/app';
import { listen } from '../../api/listen';
import { createControlWorker } from '../../server/coordinator/control-worker';
import type { RouteLimits } from '../../api/rate-limit';
import { apiRoutes } from '../../server/coordinator/routes';
import type { CoordinatorSecrets } from '../../server/coordinator/secrets';
import { dataConverter } from '../../server/coordinator/temporal';
import type { TrainingConfig } from '../../server/coordinator/training-settings';
import { createValidationWorker } from '../../server/coordinator/validation-worker';
import { openDatabase } from '../../db/client';
import type { PrismaClient } from '../../db/client';
import type { StackConfig } from '../stack/config';
import { connectLnd, readCredentials } from '../stack/lnd';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../stack/temporal';
import { ensureTools } from '../stack/tools';

export interface LocalCoordinatorOptions<Validation extends object> {
  /** Activities of a validation worker, built on the coordinator's database; none: no such worker. */
  validation?: (prisma: PrismaClient) => Validation;
  /** The training run the API serves; none: no API. */
  training?: TrainingConfig;
  /** The paid routes' limits; default: the coordinator's configuration (`L402_RATE_LIMITS`). */
  rateLimits?: RouteLimits;
}

/**
 * A coordinator for the protocol benches, in this process: the pinned Temporal dev server, an in-memory PGlite
 * database, a control worker on the stack's coordinator node and throwaway secrets; a validation worker and the
 * API on a loopback port when asked.
 */
export async function startLocalCoordinator<Validation extends object>(
  stack: StackConfig,
  options: LocalCoordinatorOptions<Validation> = {},
) {
  const secrets: CoordinatorSecrets = {
    preimageSecret: randomBytes(32),
    codecKeys: { currentKeyId: 'bench', keys: { bench: randomBytes(32).toString('base64') } },
  };
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: (await ensureTools()).temporal },
      extraArgs: DEV_SERVER_DYNAMIC_CONFIG,
    },
  });
  const db = await openDatabase({ kind: 'pglite-memory' });
  const coordinatorLnd = connectLnd(readCredentials(stack, stack.nodes[0]!));
  const lightning = lnServiceClient(coordinatorLnd);
  const connection = env.nativeConnection;
  const workers: Worker[] = [
    await createControlWorker({ connection, namespace: 'default', lightning, prisma: db.prisma, secrets }),
  ];
  const validation = options.validation?.(db.prisma);
  if (validation) {
    workers.push(
      await createValidationWorker({
        connection,
        namespace: 'default',
        secrets,
        activities: validation,
      }),
    );
  }
  const running = workers.map((worker) => worker.run());
  const client = new Client({ connection: env.connection, dataConverter: dataConverter(secrets) });

  let server: Server | null = null;
  if (options.training) {
    const app = createApp({
      status: {
        version: 'bench',
        temporalNamespace: 'default',
        node: async () => ({ publicKey: '', blockHeight: 0, syncedToChain: true }),
      },
      ...apiRoutes({
        temporal: client,
        prisma: db.prisma,
        lightning,
        training: options.training,
        ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
      }),
      log: () => {},
    });
    server = await listen(app, 0, '127.0.0.1');
  }
  return {
    secrets,
    db,
    client,
    coordinatorLnd,
    lightning,
    validation,
    apiUrl: server ? `http://127.0.0.1:${(server.address() as { port: number }).port}` : '',
    stop: async () => {
      // Requests still in flight (a flood's) must finish before the Temporal connection they use goes.
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      workers.forEach((worker) => worker.shutdown());
      await Promise.all(running);
      await env.teardown();
      await db.close();
    },
  };
}
