import type { Client } from '@temporalio/client';
import type { LightningClient } from '../../activities/lightning/client';
import { appRoutes } from '../../api/app';
import type { PrismaClient } from '../../db/client';
import { apiRoutes } from '../../server/coordinator/routes';
import { loadTrainingConfig } from '../../server/coordinator/training-settings';

/** A status source that needs no node. */
export const TEST_STATUS = {
  version: 'test',
  temporalNamespace: 'default',
  node: async () => ({ publicKey: '', blockHeight: 0, syncedToChain: true }),
};

/** Routes only keep their dependencies when built; nothing here calls a handler that would use them. */
export const routesWithoutServers = () =>
  apiRoutes({
    temporal: {} as Client,
    prisma: {} as PrismaClient,
    lightning: {} as LightningClient,
    training: loadTrainingConfig({}),
  });

/** Every route the coordinator's app serves, as definitions. */
export const ROUTE_TABLE = appRoutes({ status: TEST_STATUS, routes: routesWithoutServers().routes });
