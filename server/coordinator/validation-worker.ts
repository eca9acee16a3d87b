import type { NativeConnection } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import { failureBoundary } from '../../activities/failure-boundary';
import { TASK_QUEUES } from '../../temporal-config';
import type { CoordinatorSecrets } from './secrets';
import { dataConverter } from './temporal';

export interface ValidationWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  secrets: CoordinatorSecrets;
  /** Validation activities only (model scoring, sandboxed evals); no workflows run here. */
  activities: object;
  identity?: string;
}

/** The validation queue's worker options. */
export function validationWorkerOptions(deps: ValidationWorkerDeps): WorkerOptions {
  return {
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: TASK_QUEUES.validation,
    activities: deps.activities,
    interceptors: { activity: [failureBoundary] },
    dataConverter: dataConverter(deps.secrets),
    ...(deps.identity ? { identity: deps.identity } : {}),
  };
}

/** A worker of the validation queue: add more of them (GPU hosts) without touching the control side. */
export function createValidationWorker(deps: ValidationWorkerDeps): Promise<Worker> {
  return Worker.create(validationWorkerOptions(deps));
}
