import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TrainingValidationActivities } from '../../activities/training-validation';
import { controlRun, runStatus } from '../../server/cli/run-control';
import { TASK_QUEUES } from '../../temporal-config';
import { trainingRun } from '../../workflows';
import { trainingRoundWorkflowId, trainingRunWorkflowId } from '../../workflows/training-definitions';
import { fakeLightning } from '../support/fake-lightning';
import type { ControlHarness } from '../support/harness';
import { startControlHarness } from '../support/harness';
import { roundSettings } from '../support/training';
import { eventually } from '../support/workflows';

const ROUNDS = 6;
const ROUNDS_PER_HISTORY = 2;
/** The test pauses inside round 1 (before the first continue-as-new) and stops inside round 4 (the third run). */
const PAUSED_IN = 1;
const STOPPED_IN = 4;

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** A gate per held round: its aggregation waits until the test opens it, so each signal lands inside that round. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
const held = new Map([PAUSED_IN, STOPPED_IN].map((round) => [round, gate()]));

/**
 * Validation activities whose every round yields a new checkpoint hash: a round without peers leaves the real
 * weights, hence their content hash, unchanged, and an unchanging hash would make the chain check vacuous.
 */
const validationActivities: Pick<TrainingValidationActivities, 'createInitialCheckpoint' | 'aggregateRound'> =
  {
    createInitialCheckpoint: async ({ runId, seed }) => digest(`${runId}/${seed}`),
    aggregateRound: async ({ checkpointHash, round }) => {
      await held.get(round)?.opened;
      return { checkpointHash: digest(`${checkpointHash}/${round}`), heldOutLoss: 1, skipped: [] };
    },
  };

let harness: ControlHarness;

beforeAll(async () => {
  harness = await startControlHarness({ validationActivities, lightning: fakeLightning() });
});

afterAll(async () => {
  for (const { open } of held.values()) open();
  await harness?.stop();
});

/** The run ids of the workflow's executions, first to last, following each continue-as-new. */
async function executionChain(client: Client, workflowId: string, firstRunId: string): Promise<string[]> {
  const chain = [firstRunId];
  for (;;) {
    const { events } = await client.workflow.getHandle(workflowId, chain.at(-1)).fetchHistory();
    const next = events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return chain;
    chain.push(next);
  }
}

/** Whether the run has started this round's child workflow (a held round stays open until its gate opens). */
async function roundStarted(client: Client, runId: string, round: number): Promise<boolean> {
  try {
    await client.workflow.getHandle(trainingRoundWorkflowId(runId, round)).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

describe(`a training run of ${ROUNDS} rounds without peers, continuing as new every ${ROUNDS_PER_HISTORY}`, () => {
  const runId = `chain-${randomUUID()}`;
  const workflowId = trainingRunWorkflowId(runId);

  it('pauses, resumes and stops through the CLI module across runs, keeping every round once and the checkpoint chain unbroken', async () => {
    const { client } = harness;
    const run = await client.workflow.start(trainingRun, {
      taskQueue: TASK_QUEUES.control,
      workflowId,
      args: [
        { runId, rounds: ROUNDS, seed: 7, settings: roundSettings([]), roundsPerHistory: ROUNDS_PER_HISTORY },
      ],
    });

    await eventually('round 1 started', () => roundStarted(client, runId, PAUSED_IN));
    expect(await controlRun(client, runId, 'pause')).toMatchObject({ state: 'paused', round: PAUSED_IN });
    held.get(PAUSED_IN)!.open();
    await eventually(
      'round 1 summarized',
      async () => (await runStatus(client, runId)).history.length === PAUSED_IN + 1,
    );
    // Unpaused, rounds 2 and 3 would take well under these seconds, through a continue-as-new.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await runStatus(client, runId)).toMatchObject({ state: 'paused', round: PAUSED_IN });
    expect((await client.workflow.getHandle(workflowId).describe()).runId).toBe(run.firstExecutionRunId);
    expect(await roundStarted(client, runId, PAUSED_IN + 1)).toBe(false);

    expect(await controlRun(client, runId, 'resume')).toMatchObject({ state: 'running' });
    await eventually('round 4 started', () => roundStarted(client, runId, STOPPED_IN));
    expect(await controlRun(client, runId, 'stop')).toMatchObject({ state: 'stopped', round: STOPPED_IN });
    held.get(STOPPED_IN)!.open();
    const result = await run.result();

    expect(result.state).toBe('stopped');
    expect(result.history.map((summary) => summary.round)).toEqual([0, 1, 2, 3, 4]);
    expect(result.history[0]!.checkpointHash).toBe(digest(`${runId}/7`));
    result.history.slice(1).forEach((summary, i) => {
      expect(summary.checkpointHash).toBe(result.history[i]!.nextCheckpointHash);
    });
    expect(await roundStarted(client, runId, STOPPED_IN + 1)).toBe(false);

    const chain = await executionChain(client, workflowId, run.firstExecutionRunId);
    expect(chain).toHaveLength(3);
    expect(new Set(chain).size).toBe(3);
    expect((await client.workflow.getHandle(workflowId).describe()).runId).toBe(chain[2]);
  });

  it('answers a finished run from its result, refuses to signal it, and names an unknown run', async () => {
    const { client } = harness;
    expect(await runStatus(client, runId)).toMatchObject({ state: 'stopped', round: STOPPED_IN });
    await expect(controlRun(client, runId, 'resume')).rejects.toMatchObject({ code: 'RUN_OVER' });
    await expect(runStatus(client, 'no-such-run')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    await expect(controlRun(client, 'no-such-run', 'pause')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });
});
