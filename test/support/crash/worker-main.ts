/**
 * Test-only worker entry point: the production control or validation worker, plus the crash interceptor the
 * environment asks for (see plan.ts). Run as `node --require tsx/cjs worker-main.ts control|validation`.
 */
import { Worker } from '@temporalio/worker';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { loadCoordinatorConfig } from '../../../server/coordinator/config';
import { controlWorkerOptions, readLndCredentials } from '../../../server/coordinator/control-worker';
import { loadSecrets } from '../../../server/coordinator/secrets';
import { workerConnection } from '../../../server/coordinator/temporal';
import { validationWorkerOptions } from '../../../server/coordinator/validation-worker';
import { validationActivities } from '../../../server/coordinator/validator';
import { openDatabase } from '../../../db/client';
import { connectLnd } from '../../../dev/stack/lnd';
import { crashInterceptor } from './interceptor';
import { crashPlanFromEnv } from './plan';

async function main(kind: string): Promise<void> {
  const config = loadCoordinatorConfig();
  const secrets = loadSecrets(config.secretsFile);
  const db = await openDatabase(config.database);
  const connection = await workerConnection(config.temporal.address);
  const plan = crashPlanFromEnv(process.env);
  const deps = { connection, namespace: config.temporal.namespace, secrets };
  const options =
    kind === 'validation'
      ? validationWorkerOptions({ ...deps, activities: validationActivities(db.prisma) })
      : controlWorkerOptions({
          ...deps,
          prisma: db.prisma,
          lightning: lnServiceClient(connectLnd(readLndCredentials(config.lndCredentialsFile))),
        });
  const worker = await Worker.create({
    ...options,
    // The crash point sits outside the failure boundary: a held attempt never reaches it.
    ...(plan
      ? { interceptors: { activity: [crashInterceptor(plan), ...(options.interceptors?.activity ?? [])] } }
      : {}),
  });
  process.once('SIGINT', () => worker.shutdown());
  process.once('SIGTERM', () => worker.shutdown());
  process.stdout.write(
    `${kind === 'validation' ? 'validation' : 'control'} worker polling ${config.temporal.address}` +
      `${plan ? ` (crash ${plan.point} ${plan.activity} attempt ${plan.attempt})` : ''}\n`,
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
    await db.close();
  }
}

main(process.argv[2] ?? 'control').catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
