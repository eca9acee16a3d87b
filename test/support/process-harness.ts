import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Connection } from '@temporalio/client';
import type { CoordinatorSecrets } from '../../server/coordinator/secrets';
import { loadSecrets } from '../../server/coordinator/secrets';
import { credentialsPath } from '../../dev/stack/lnd';
import { freshPostgres } from './database';
import type { RestartableTemporal } from './restartable-temporal';
import { startRestartableTemporal } from './restartable-temporal';
import { testStackConfig } from './stack-config';
import { temporalTestEnv } from './temporal';
import type { WorkerKind, WorkerProcess, WorkerProcessOptions } from './worker-process';
import { startWorkerProcess } from './worker-process';
import { codecClient } from './workflows';

export interface ProcessHarness {
  temporalAddress: string;
  /** The server, when the harness was asked for one that survives a restart; null for an ephemeral one. */
  restartableTemporal: RestartableTemporal | null;
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

export interface ProcessHarnessOptions {
  /** A dev server that keeps its histories in a file, so a test can restart it (default: an ephemeral one). */
  temporal?: 'ephemeral' | 'restartable';
}

async function temporalServer(kind: ProcessHarnessOptions['temporal'], dir: string) {
  if (kind === 'restartable') {
    const server = await startRestartableTemporal(dir);
    return { address: server.address, restartable: server, teardown: () => server.stop() };
  }
  const env = await temporalTestEnv();
  return { address: env.address, restartable: null, teardown: () => env.teardown() };
}

/**
 * A Temporal dev server, a fresh PostgreSQL database and a secrets file, for workers run as real OS processes
 * (`coordinator run`, `coordinator worker`, `validator`) on the coordinator's real LND, so tests can SIGKILL them.
 */
export async function startProcessHarness(options: ProcessHarnessOptions = {}): Promise<ProcessHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'l402-processes-'));
  const [temporal, db] = await Promise.all([temporalServer(options.temporal, dir), freshPostgres()]);
  const connection = await Connection.connect({ address: temporal.address });
  const secretsFile = path.join(dir, 'secrets.json');
  const secrets = loadSecrets(secretsFile);
  const workerEnv = {
    L402_DATA_DIR: dir,
    TEMPORAL_ADDRESS: temporal.address,
    DATABASE_URL: db.url,
    L402_LND_CREDENTIALS: credentialsPath(testStackConfig(), 'coordinator'),
    L402_SECRETS_FILE: secretsFile,
    // `coordinator run` serves its API on a port of its own choosing.
    L402_API_PORT: '0',
  };
  const workers: WorkerProcess[] = [];
  const killWorkers = async (kind: WorkerKind) => {
    await Promise.all(
      workers.filter((worker) => worker.kind === kind).map((worker) => worker.kill('SIGKILL')),
    );
  };
  return {
    temporalAddress: temporal.address,
    restartableTemporal: temporal.restartable,
    db,
    client: codecClient({ connection }, secrets),
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
      await connection.close();
      await temporal.teardown();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
