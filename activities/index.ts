import type { BountyDeps } from './bounties';
import { bountyActivities } from './bounties';
import type { HoldInvoiceDeps } from './hold-invoices';
import { holdInvoiceActivities } from './hold-invoices';
import type { RewardEscrowDeps } from './reward-escrow';
import { rewardEscrowActivities } from './reward-escrow';
import type { TrainingRepository } from '../db/repos/training';
import { trainingActivities } from './training';

export type ActivityDeps = HoldInvoiceDeps & RewardEscrowDeps & BountyDeps & { training: TrainingRepository };

/** Every activity the workers register, built from injected clients (real ones in the worker, fakes in tests). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...holdInvoiceActivities(deps),
    ...rewardEscrowActivities(deps),
    ...bountyActivities(deps),
    ...trainingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
