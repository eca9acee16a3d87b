import type { Client } from '@temporalio/client';
import type { LightningClient } from '../../activities/lightning/client';
import type { AppDeps } from '../../api/app';
import { bountyRoutes } from '../../api/bounties/routes';
import { escrowRoutes } from '../../api/escrows/routes';
import { idempotencyMiddleware } from '../../api/idempotency';
import { trainingRoutes } from '../../api/training/routes';
import type { RateLimit, RouteLimits } from '../../api/rate-limit';
import type { PrismaClient } from '../../db/client';
import { prismaIdempotencyStore } from '../../db/repos/idempotency';
import { prismaRootKeyStore, prismaTokenSpends } from '../../db/repos/l402';
import { ledgerRepository } from '../../db/repos/ledger';
import { revealedPreimagesRepository } from '../../db/repos/revealed-preimages';
import { trainingRepository } from '../../db/repos/training';
import { blobStoreFor } from '../../db/blobs';
import { bountyRouteDeps, MAX_HELD_ESCROWS } from './bounty-settings';
import { loadRateLimitConfig } from './rate-limit-settings';
import { loadTrainingConfig } from './training-settings';
import type { TrainingConfig } from './training-settings';

export interface RouteDeps {
  temporal: Client;
  prisma: PrismaClient;
  lightning: LightningClient;
  /** The training run served on the published paths; default: from the environment. */
  training?: TrainingConfig;
  /** Rate limits of the paid routes; default: from the environment. */
  rateLimits?: RouteLimits;
  /** Bounties one client may create; default: from the environment. */
  bountyCreatesPerClient?: RateLimit;
}

/** The coordinator's API: every resource route, wired to the real dependencies, behind idempotency keys. */
export function apiRoutes(deps: RouteDeps): Pick<AppDeps, 'routes' | 'before'> {
  const configured = loadRateLimitConfig();
  const rateLimits = deps.rateLimits ?? configured.routes;
  const createsPerClient = deps.bountyCreatesPerClient ?? configured.bountyCreatesPerClient;
  const blobs = blobStoreFor(deps.prisma);
  return {
    before: [idempotencyMiddleware(prismaIdempotencyStore(deps.prisma))],
    routes: [
      ...escrowRoutes({ temporal: deps.temporal, revealed: revealedPreimagesRepository(deps.prisma) }),
      ...bountyRoutes({ ...bountyRouteDeps(deps), rateLimits, createsPerClient }),
      ...trainingRoutes({
        temporal: deps.temporal,
        lightning: deps.lightning,
        training: trainingRepository(deps.prisma, blobs),
        blobs,
        ledger: ledgerRepository(deps.prisma),
        rootKeys: prismaRootKeyStore(deps.prisma),
        spends: prismaTokenSpends(deps.prisma),
        maxHeldEscrows: MAX_HELD_ESCROWS,
        rateLimits,
        ...(deps.training ?? loadTrainingConfig()),
      }),
    ],
  };
}
