import type { Command } from 'commander';
import { loadCoordinatorConfig } from '../coordinator/config';
import { runCoordinator } from '../coordinator/run';

export function registerCoordinator(program: Command): void {
  const coordinator = program.command('coordinator').description('the coordinator: API and control worker');

  coordinator
    .command('run')
    .description(
      'serve the API and run the control worker in the foreground (SIGINT/SIGTERM drains and stops)',
    )
    .action(async () => {
      await runCoordinator(loadCoordinatorConfig(), (line) => console.log(`[coordinator] ${line}`));
    });
}
