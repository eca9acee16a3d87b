import { bountyEvalActivities } from '../activities/bounty-eval';
import { trainingValidationActivities } from '../activities/training-validation';
import type { PrismaClient } from '../db/client';
import { trainingRepository } from '../db/repos/training';
import { DEFAULT_MODEL } from '../model/config';
import { bountiesDir } from './bounty-settings';
import { lazyTrainingScorer } from './training-scorer';

/** Every activity a validation worker of this process registers: sandboxed bounty evals, model scoring. */
export function validationActivities(prisma: PrismaClient, env: NodeJS.ProcessEnv = process.env) {
  return {
    ...bountyEvalActivities({ bountiesDir: bountiesDir(env) }),
    ...trainingValidationActivities({
      training: trainingRepository(prisma),
      model: DEFAULT_MODEL,
      scorer: lazyTrainingScorer(env.L402_EXECUTION_PROVIDER === 'cuda' ? 'cuda' : 'cpu'),
    }),
  };
}
