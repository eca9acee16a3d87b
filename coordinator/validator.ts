import { bountyEvalActivities } from '../activities/bounty-eval';
import { bountiesDir } from './bounty-settings';

/** Every activity a validation worker of this process registers (sandboxed bounty evals; more join here). */
export function validationActivities(env: NodeJS.ProcessEnv = process.env) {
  return {
    ...bountyEvalActivities({ bountiesDir: bountiesDir(env) }),
  };
}
