import type { Client } from '@temporalio/client';
import type { Router } from 'express';
import type { LightningClient } from '../activities/lightning/client';
import { bountiesRouter } from '../api/bounties/router';
import { escrowsRouter } from '../api/escrows/router';
import { trainingRouter } from '../api/training/router';
import type { PrismaClient } from '../db/client';
import { revealedPreimagesRepository } from '../db/repos/revealed-preimages';
import { trainingRepository } from '../db/repos/training';
import { bountyRouteDeps } from './bounty-settings';
import { loadTrainingConfig } from './training-settings';
import type { TrainingConfig } from './training-settings';

export interface RouteDeps {
  temporal: Client;
  prisma: PrismaClient;
  lightning: LightningClient;
  /** The training run served on the published paths; default: from the environment. */
  training?: TrainingConfig;
}

/** Every resource router of the coordinator's API, wired to the real dependencies. */
export function apiRouters(deps: RouteDeps): Router[] {
  return [
    escrowsRouter({ temporal: deps.temporal, revealed: revealedPreimagesRepository(deps.prisma) }),
    bountiesRouter(bountyRouteDeps(deps)),
    trainingRouter({
      temporal: deps.temporal,
      training: trainingRepository(deps.prisma),
      ...(deps.training ?? loadTrainingConfig()),
    }),
  ];
}
