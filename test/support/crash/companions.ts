import { NativeConnection } from '@temporalio/worker';
import { createValidationWorker } from '../../../server/coordinator/validation-worker';
import { fakeBountyValidation } from '../fake-bounty-validation';
import type { ProcessHarness } from '../process-harness';
import type { WorkerKind } from '../worker-process';

/** Workers a scenario needs beside the crash-injected one; `stop` ends them. */
export interface Companions {
  stop(): Promise<void>;
}

/** A plain worker process of `kind` (the production entry point, no crash plan). */
export async function plainWorker(harness: ProcessHarness, kind: WorkerKind): Promise<Companions> {
  await harness.worker(kind);
  return { stop: () => harness.killWorkers(kind) };
}

/** A validation worker in this process with the fake bounty host (no sandbox): bounties open at once. */
export async function fakeBountyValidator(harness: ProcessHarness): Promise<Companions> {
  await harness.killWorkers('validation');
  const connection = await NativeConnection.connect({ address: harness.temporalAddress });
  const worker = await createValidationWorker({
    connection,
    namespace: 'default',
    secrets: harness.secrets,
    activities: fakeBountyValidation(harness.db.prisma),
  });
  const running = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
