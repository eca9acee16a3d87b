import { bountyEvalActivities } from '../../activities/bounty-eval';
import { trainingValidationActivities } from '../../activities/training-validation';
import type { PrismaClient } from '../../db/client';
import { openDatabase } from '../../db/client';
import { blobStoreFor } from '../../db/blobs';
import { trainingRepository } from '../../db/repos/training';
import { DEFAULT_MODEL } from '../../model/config';
import { bountiesDir } from './bounty-settings';
import type { CoordinatorConfig } from './config';
import { loadSecrets } from './secrets';
import { workerConnection } from './temporal';
import { createValidationWorker } from './validation-worker';
import { lazyTrainingScorer, scoringProvider } from './training-scorer';

/** Every activity a validation worker of this process registers: sandboxed bounty evals, model scoring. */
export function validationActivities(prisma: PrismaClient, env: NodeJS.ProcessEnv = process.env) {
  const blobs = blobStoreFor(prisma, env);
  return {
    ...bountyEvalActivities({ bountiesDir: bountiesDir(env), blobs }),
    ...trainingValidationActivities({
      training: trainingRepository(prisma, blobs),
      blobs,
      model: DEFAULT_MODEL,
      scorer: lazyTrainingScorer(scoringProvider(env)),
    }),
  };
}

/** `l402-train validator`: a validation worker alone, until SIGINT/SIGTERM (add one per host to scale out). */
export async function runValidator(config: CoordinatorConfig, log: (line: string) => void): Promise<void> {
  const db = await openDatabase(config.database);
  const connection = await workerConnection(config.temporal.address);
  const worker = await createValidationWorker({
    connection,
    namespace: config.temporal.namespace,
    secrets: loadSecrets(config.secretsFile),
    activities: validationActivities(db.prisma),
  });
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  log(`validation worker polling ${config.temporal.address} (bounty bundles in ${bountiesDir()})`);
  try {
    await worker.run();
  } finally {
    await connection.close();
    await db.close();
    log('validator stopped');
  }
}
