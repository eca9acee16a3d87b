import type { Client } from '@temporalio/client';
import type { Router } from 'express';
import type { LightningClient } from '../../activities/lightning/client';
import { bountiesRouter } from '../../api/bounties/router';
import { escrowsRouter } from '../../api/escrows/router';
import { idempotencyRouter } from '../../api/idempotency';
import { trainingRouter } from '../../api/training/router';
import type { RouteLimits } from '../../api/rate-limit';
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
}

/** Every resource router of the coordinator's API, wired to the real dependencies; idempotency keys first. */
export function apiRouters(deps: RouteDeps): Router[] {
  const rateLimits = deps.rateLimits ?? loadRateLimitConfig().routes;
  const blobs = blobStoreFor(deps.prisma);
  return [
    idempotencyRouter(prismaIdempotencyStore(deps.prisma)),
    escrowsRouter({ temporal: deps.temporal, revealed: revealedPreimagesRepository(deps.prisma) }),
    bountiesRouter({ ...bountyRouteDeps(deps), rateLimits }),
    trainingRouter({
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
  ];
}
