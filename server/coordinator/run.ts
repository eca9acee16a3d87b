import type { Server } from 'node:http';
import { getWalletInfo } from 'ln-service';
import { lnServiceClient } from '../../activities/lightning/ln-service-client';
import { reconcileLedger } from '../../activities/reconcile';
import type { LedgerDifference } from '../../activities/reconcile';
import { createApp } from '../../api/app';
import { listen } from '../../api/listen';
import { openDatabase } from '../../db/client';
import { ledgerRepository } from '../../db/repos/ledger';
import { version } from '../../package.json';
import { connectLnd } from '../../dev/stack/lnd';
import type { CoordinatorConfig } from './config';
import { createControlWorker, readLndCredentials } from './control-worker';
import { loadSecrets } from './secrets';
import { createValidationWorker } from './validation-worker';
import { validationActivities } from './validator';
import { loadRateLimitConfig } from './rate-limit-settings';
import { apiRoutes } from './routes';
import { temporalClient, workerConnection } from './temporal';

type Log = (line: string) => void;

export function describeDifference(difference: LedgerDifference): string {
  return `${difference.direction.toLowerCase()} ${difference.purpose} ${difference.paymentHash}: ledger ${difference.ledgerState}, LND ${difference.lndState}${difference.repaired ? ' (repaired)' : ''}${difference.flagged ? ' (final row: flagged for an operator)' : ''} [${difference.workflowId}]`;
}

/**
 * Runs the control worker (and, unless `workerOnly`, the API) in this process until SIGINT/SIGTERM.
 * At start, and then every `sweepSeconds`, the ledger is reconciled against LND, so a payment or cancel that
 * happened while this process or LND was down is recorded.
 */
export async function runCoordinator(
  config: CoordinatorConfig,
  options: { workerOnly: boolean },
  log: Log,
): Promise<void> {
  const secrets = loadSecrets(config.secretsFile);
  const db = await openDatabase(config.database);
  const lnd = connectLnd(readLndCredentials(config.lndCredentialsFile));
  const lightning = lnServiceClient(lnd);
  const ledger = ledgerRepository(db.prisma);
  // The first sweep checks every row, final ones too; the periodic ones finish what is still in flight.
  const sweep = async (scope: 'open' | 'all') => {
    try {
      for (const difference of await reconcileLedger({ ledger, lightning }, { repair: true, scope })) {
        log(`reconciled ${describeDifference(difference)}`);
      }
    } catch (err) {
      log(`reconciliation failed, will retry: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  await sweep('all');
  const sweeper = setInterval(() => void sweep('open'), config.sweepSeconds * 1000);

  const connection = await workerConnection(config.temporal.address);
  const workers = [
    await createControlWorker({
      connection,
      namespace: config.temporal.namespace,
      lightning,
      prisma: db.prisma,
      secrets,
    }),
  ];
  if (!options.workerOnly) {
    // The embedded default runs validation here too; GPU hosts add `l402-train validator` processes.
    workers.push(
      await createValidationWorker({
        connection,
        namespace: config.temporal.namespace,
        secrets,
        activities: validationActivities(db.prisma),
      }),
    );
  }
  let server: Server | null = null;
  if (!options.workerOnly) {
    const temporal = await temporalClient(config.temporal.address, config.temporal.namespace, secrets);
    const limits = loadRateLimitConfig();
    const app = createApp({
      ...apiRoutes({
        temporal,
        prisma: db.prisma,
        lightning,
        rateLimits: limits.routes,
        bountyCreatesPerClient: limits.bountyCreatesPerClient,
      }),
      trustProxy: limits.trustProxy,
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
    server = await listen(app, config.api.port, config.api.host);
    log(`api listening on http://${config.api.host}:${config.api.port}`);
  }
  log(`control worker polling ${config.temporal.address}`);

  const stop = () => workers.forEach((worker) => worker.shutdown());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await Promise.all(workers.map((worker) => worker.run()));
  } finally {
    clearInterval(sweeper);
    if (server) await new Promise((resolve) => server.close(resolve));
    await connection.close();
    await db.close();
    log('coordinator stopped');
  }
}

/** One reconciliation pass for the CLI: prints every difference between the ledger and LND. */
export async function reconcileOnce(config: CoordinatorConfig, repair: boolean): Promise<LedgerDifference[]> {
  const db = await openDatabase(config.database);
  try {
    const lightning = lnServiceClient(connectLnd(readLndCredentials(config.lndCredentialsFile)));
    return await reconcileLedger({ ledger: ledgerRepository(db.prisma), lightning }, { repair });
  } finally {
    await db.close();
  }
}
