import type { Command } from 'commander';
import { loadCoordinatorConfig } from '../coordinator/config';
import { runValidator } from '../coordinator/validator';

const log = (line: string) => console.log(`[validator] ${line}`);

export function registerValidator(program: Command): void {
  program
    .command('validator')
    .description('run a validation worker (sandboxed bounty evals) against the coordinator’s Temporal')
    .action(() => runValidator(loadCoordinatorConfig(), log));
}
