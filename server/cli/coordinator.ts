import type { Command } from 'commander';
import { z } from 'zod';
import { loadCoordinatorConfig } from '../coordinator/config';
import { describeDifference, reconcileOnce, runCoordinator } from '../coordinator/run';
import { loadSecrets } from '../coordinator/secrets';
import { temporalClient } from '../coordinator/temporal';
import { loadTrainingConfig } from '../coordinator/training-settings';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { TASK_QUEUES } from '../../temporal-config';
import { MAX_SATS } from '../../domain/money/sats';
import { trainingRun } from '../../workflows';
import { runBudgetSats } from '../../workflows/training-run';
import { trainingRunWorkflowId } from '../../workflows/training-definitions';
import { L402TrainError } from '../../domain/l402-train-error';
import { loadStackConfig } from '../../dev/stack/config';
import { COORDINATOR_PROCESS } from '../../dev/stack/coordinator-process';
import { runningPid } from '../../dev/stack/processes';
import type { RunControl } from './run-control';
import { controlRun, describeRound, describeRun, runStatus } from './run-control';

const log = (line: string) => console.log(`[coordinator] ${line}`);

const StartRunOptions = z.object({
  rounds: z.coerce.number().int().min(1).max(100_000),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  budget: z.coerce.number().int().min(0).max(MAX_SATS).optional(),
});

function configuredClient() {
  const config = loadCoordinatorConfig();
  return temporalClient(config.temporal.address, config.temporal.namespace, loadSecrets(config.secretsFile));
}

const RUN_CONTROLS: Record<RunControl, string> = {
  pause: 'pause the run before its next round (the open round finishes)',
  resume: 'resume a paused run',
  stop: 'stop the run for good once the open round finishes',
};

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
    .command('start-run')
    .description('start the configured training run (L402_TRAINING_RUN) as a durable workflow')
    .option('--rounds <n>', 'rounds to run', '3')
    .option('--seed <n>', 'seed of the initial weights and the held-out batches', '11')
    .option(
      '--budget <sats>',
      'rewards the whole run may pay (default: every peer earns the cap every round)',
    )
    .action(async (raw: unknown) => {
      const options = StartRunOptions.parse(raw);
      const { runId, settings } = loadTrainingConfig();
      const client = await configuredClient();
      await client.workflow.start(trainingRun, {
        taskQueue: TASK_QUEUES.control,
        workflowId: trainingRunWorkflowId(runId),
        // A run id names one run forever: its rounds, submissions and payouts are keyed by it.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [{ runId, rounds: options.rounds, seed: options.seed, settings, budgetSats: options.budget }],
      });
      const budget = runBudgetSats({ rounds: options.rounds, settings, budgetSats: options.budget });
      log(
        `training run ${runId} started: ${options.rounds} rounds, budget ${budget} sats, peers ${settings.peers.join(', ')}`,
      );
    });

  for (const [control, description] of Object.entries(RUN_CONTROLS) as [RunControl, string][]) {
    coordinator
      .command(control)
      .description(`${description}, then print its state`)
      .option('--run <id>', 'the training run (default: the configured run, L402_TRAINING_RUN)')
      .action(async (options: { run?: string }) => {
        const runId = options.run ?? loadTrainingConfig().runId;
        console.log(describeRun(await controlRun(await configuredClient(), runId, control)));
      });
  }

  coordinator
    .command('run-status')
    .description("print a training run's state and its latest round summaries")
    .option('--run <id>', 'the training run (default: the configured run, L402_TRAINING_RUN)')
    .action(async (options: { run?: string }) => {
      const runId = options.run ?? loadTrainingConfig().runId;
      const status = await runStatus(await configuredClient(), runId);
      console.log(describeRun(status));
      for (const summary of status.history) console.log(describeRound(summary));
    });

  coordinator
    .command('reconcile')
    .description('compare the ledger with what LND reports and print every difference')
    .option(
      '--repair',
      'also move each differing open row to the state LND reports; a final row LND contradicts is flagged for an operator, not rewritten',
    )
    .action(async (options: { repair?: boolean }) => {
      const config = loadCoordinatorConfig();
      if (config.database.kind !== 'postgres' && runningPid(loadStackConfig().dataDir, COORDINATOR_PROCESS)) {
        throw new L402TrainError(
          'DATABASE_IN_USE',
          'the embedded PGlite database is open in the running coordinator, which already reconciles on its own',
          'Read the coordinator log, stop it first (`l402-train dev stop`), or run with DATABASE_URL=postgres://…',
        );
      }
      const differences = await reconcileOnce(config, options.repair === true);
      for (const difference of differences) console.log(describeDifference(difference));
      console.log(`${differences.length} difference(s) between the ledger and LND`);
      if (differences.some((difference) => !difference.repaired)) process.exitCode = 1;
    });
}
