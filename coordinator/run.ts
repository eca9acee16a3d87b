import type { Server } from 'node:http';
import { getWalletInfo } from 'ln-service';
import { lnServiceClient } from '../activities/lightning/ln-service-client';
import { createApp } from '../api/app';
import { openDatabase } from '../db/client';
import { connectLnd } from '../stack/lnd';
import type { CoordinatorConfig } from './config';
import { createControlWorker, readLndCredentials } from './control-worker';
import { loadSecrets } from './secrets';
import { workerConnection } from './temporal';
import { version } from '../package.json';

type Log = (line: string) => void;

/** Runs the API and the control worker in this process until SIGINT/SIGTERM, then drains both. */
export async function runCoordinator(config: CoordinatorConfig, log: Log): Promise<void> {
  const secrets = loadSecrets(config.secretsFile);
  const db = await openDatabase(config.database);
  const lnd = connectLnd(readLndCredentials(config.lndCredentialsFile));
  const connection = await workerConnection(config.temporal.address);
  const worker = await createControlWorker({
    connection,
    namespace: config.temporal.namespace,
    lightning: lnServiceClient(lnd),
    prisma: db.prisma,
    secrets,
  });
  const app = createApp({
    status: {
      version,
      temporalNamespace: config.temporal.namespace,
      node: async () => {
        const info = await getWalletInfo({ lnd });
        return {
          publicKey: info.public_key,
          blockHeight: info.current_block_height,
          syncedToChain: info.is_synced_to_chain,
        };
      },
    },
    log: (message, err) =>
      log(`${message}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(config.api.port, config.api.host, () => resolve(listening));
  });
  log(
    `api listening on http://${config.api.host}:${config.api.port}; control worker on ${config.temporal.address}`,
  );

  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await worker.run();
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await connection.close();
    await db.close();
    log('coordinator stopped');
  }
}
