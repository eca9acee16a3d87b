import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CoordinatorSecrets } from '../../coordinator/secrets';
import { loadSecrets } from '../../coordinator/secrets';
import { credentialsPath } from '../../stack/lnd';
import { freshPostgres } from './database';
import { testStackConfig } from './stack-config';
import { temporalTestEnv } from './temporal';
import type { WorkerKind, WorkerProcess, WorkerProcessOptions } from './worker-process';
import { startWorkerProcess } from './worker-process';
import { codecClient } from './workflows';

export interface ProcessHarness {
  env: TestWorkflowEnvironment;
  db: Awaited<ReturnType<typeof freshPostgres>>;
  client: Client;
  /** The secrets the worker processes load from their secrets file. */
  secrets: CoordinatorSecrets;
  /** Every worker process started so far, killed or not. */
  workers: WorkerProcess[];
  /**
   * Starts a worker process against this harness's Temporal server, database and secrets, after SIGKILLing any
   * worker of the same kind still alive: one worker of each kind at a time, so a kill always hits the process
   * that holds the work.
   */
  worker(kind?: WorkerKind, options?: WorkerProcessOptions): Promise<WorkerProcess>;
  /** SIGKILLs every live worker of `kind`. */
  killWorkers(kind: WorkerKind): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Temporal dev server, a fresh PostgreSQL database and a secrets file, for workers run as real OS processes
 * (`coordinator worker`, `validator`) on the coordinator's real LND, so tests can SIGKILL them.
 */
export async function startProcessHarness(): Promise<ProcessHarness> {
  const [env, db] = await Promise.all([temporalTestEnv(), freshPostgres()]);
  const dir = mkdtempSync(path.join(tmpdir(), 'l402-processes-'));
  const secretsFile = path.join(dir, 'secrets.json');
  const secrets = loadSecrets(secretsFile);
  const workerEnv = {
    L402_DATA_DIR: dir,
    TEMPORAL_ADDRESS: env.address,
    DATABASE_URL: db.url,
    L402_LND_CREDENTIALS: credentialsPath(testStackConfig(), 'coordinator'),
    L402_SECRETS_FILE: secretsFile,
  };
  const workers: WorkerProcess[] = [];
  const killWorkers = async (kind: WorkerKind) => {
    await Promise.all(
      workers.filter((worker) => worker.kind === kind).map((worker) => worker.kill('SIGKILL')),
    );
  };
  return {
    env,
    db,
    client: codecClient(env, secrets),
    secrets,
    workers,
    killWorkers,
    worker: async (kind = 'control', options = {}) => {
      await killWorkers(kind);
      const started = await startWorkerProcess(workerEnv, kind, options);
      workers.push(started);
      return started;
    },
    stop: async () => {
      await Promise.all(workers.map((worker) => worker.kill('SIGTERM')));
      await env.teardown();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
