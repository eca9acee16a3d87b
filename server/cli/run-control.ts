import type { Client, WorkflowHandle } from '@temporalio/client';
import { ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { L402TrainError } from '../../domain/l402-train-error';
import type { RoundSummary, RunStatus } from '../../workflows/training-definitions';
import {
  pauseRunSignal,
  resumeRunSignal,
  runStatusQuery,
  stopRunSignal,
  trainingRunWorkflowId,
} from '../../workflows/training-definitions';
import type { trainingRun } from '../../workflows/training-run';

const RUN_SIGNALS = { pause: pauseRunSignal, resume: resumeRunSignal, stop: stopRunSignal } as const;

export type RunControl = keyof typeof RUN_SIGNALS;

/** The run's workflow (the latest execution of its continue-as-new chain) and whether that execution still runs. */
async function findRun(
  client: Client,
  runId: string,
): Promise<{ handle: WorkflowHandle<typeof trainingRun>; running: boolean }> {
  const handle = client.workflow.getHandle<typeof trainingRun>(trainingRunWorkflowId(runId));
  try {
    const { status } = await handle.describe();
    return { handle, running: status.name === 'RUNNING' };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw new L402TrainError(
      'RUN_NOT_FOUND',
      `no training run ${runId}`,
      'Start it with `l402-train coordinator start-run`, or name another with --run <id>.',
    );
  }
}

/** Asks the run's workflow for its state; with no control worker polling, Temporal only says the query failed. */
async function queryRun(handle: WorkflowHandle<typeof trainingRun>, runId: string): Promise<RunStatus> {
  try {
    return await handle.query(runStatusQuery);
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    throw new L402TrainError(
      'RUN_NOT_ANSWERING',
      `training run ${runId} did not answer: ${err.message}`,
      'Is a control worker running? Start one with `l402-train coordinator run` or `l402-train coordinator worker`.',
    );
  }
}

/** The run's state as its workflow reports it (a finished run answers from its result, no worker needed). */
export async function runStatus(client: Client, runId: string): Promise<RunStatus> {
  const { handle, running } = await findRun(client, runId);
  return running ? queryRun(handle, runId) : handle.result();
}

/** Sends pause, resume or stop to a run still going, then reports its state as the workflow now sees it. */
export async function controlRun(client: Client, runId: string, control: RunControl): Promise<RunStatus> {
  const { handle, running } = await findRun(client, runId);
  if (!running) {
    throw new L402TrainError(
      'RUN_OVER',
      `training run ${runId} is over: nothing to ${control}`,
      `See how it ended with \`l402-train coordinator run-status --run ${runId}\`.`,
    );
  }
  await handle.signal(RUN_SIGNALS[control]);
  return queryRun(handle, runId);
}

export function describeRun(status: RunStatus): string {
  return `run ${status.runId}: ${status.state}, round ${status.round}, checkpoint ${status.checkpointHash.slice(0, 12)}`;
}

export function describeRound(summary: RoundSummary): string {
  return `round ${summary.round}: ${summary.accepted}/${summary.submitted} accepted, held-out loss ${summary.heldOutLoss.toFixed(4)}, ${summary.seconds.toFixed(1)} s`;
}
