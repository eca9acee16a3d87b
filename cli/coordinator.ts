import type { Command } from 'commander';
import { loadCoordinatorConfig } from '../coordinator/config';
import { describeDifference, reconcileOnce, runCoordinator } from '../coordinator/run';
import { L402TrainError } from '../lib/errors';
import { loadStackConfig } from '../stack/config';
import { COORDINATOR_PROCESS } from '../stack/coordinator-process';
import { runningPid } from '../stack/processes';

const log = (line: string) => console.log(`[coordinator] ${line}`);

export function registerCoordinator(program: Command): void {
  const coordinator = program
    .command('coordinator')
    .description('the coordinator: API, control worker, ledger');

  coordinator
    .command('run')
    .description(
      'serve the API and run the control worker in the foreground (SIGINT/SIGTERM drains and stops)',
    )
    .action(() => runCoordinator(loadCoordinatorConfig(), { workerOnly: false }, log));

  coordinator
    .command('worker')
    .description('run only a control worker (scale out, or restart one after a crash)')
    .action(() => runCoordinator(loadCoordinatorConfig(), { workerOnly: true }, log));

  coordinator
    .command('reconcile')
    .description('compare the ledger with what LND reports and print every difference')
    .option('--repair', 'also move each differing row to the state LND reports')
    .action(async (options: { repair?: boolean }) => {
      const config = loadCoordinatorConfig();
      if (config.database.kind !== 'postgres' && runningPid(loadStackConfig().dataDir, COORDINATOR_PROCESS)) {
        throw new L402TrainError(
          'DATABASE_IN_USE',
          'the embedded PGlite database is open in the running coordinator, which already reconciles on its own',
          409,
          'Read the coordinator log, stop it first (`l402-train dev stop`), or run with DATABASE_URL=postgres://…',
        );
      }
      const differences = await reconcileOnce(config, options.repair === true);
      for (const difference of differences) console.log(describeDifference(difference));
      console.log(`${differences.length} difference(s) between the ledger and LND`);
      if (differences.length > 0 && !options.repair) process.exitCode = 1;
    });
}
