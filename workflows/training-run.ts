import { condition, continueAsNew, executeChild, proxyActivities, setHandler } from '@temporalio/workflow';
import type { TrainingValidationActivities } from '../activities/training-validation';
import { deriveSeed } from '../model/prng';
import { ACTIVITY_PROFILES } from '../temporal-config';
import type { RoundSettings, RoundSummary, RunStatus } from './training-definitions';
import {
  pauseRunSignal,
  resumeRunSignal,
  runStatusQuery,
  stopRunSignal,
  trainingRoundWorkflowId,
} from './training-definitions';
import { trainingRound } from './training-round';

const validation = proxyActivities<TrainingValidationActivities>(ACTIVITY_PROFILES.validation);

/** Rounds per workflow run before continuing as new, so histories stay small. */
const DEFAULT_ROUNDS_PER_HISTORY = 5;
/** Round summaries carried across continue-as-new (the full record is in the database). */
const KEPT_SUMMARIES = 20;

export interface TrainingRunInput {
  runId: string;
  rounds: number;
  /** Seeds the initial weights and every round's held-out batch. */
  seed: number;
  settings: RoundSettings;
  /** Rounds per workflow run before continuing as new (default 5). */
  roundsPerHistory?: number;
  startRound?: number;
  checkpointHash?: string;
  history?: RoundSummary[];
  paused?: boolean;
}

/** A training run: a sequence of rounds over one model and data split, with pause, resume and stop. */
export async function trainingRun(input: TrainingRunInput): Promise<RunStatus> {
  const status: RunStatus = {
    runId: input.runId,
    state: input.paused ? 'paused' : 'running',
    round: input.startRound ?? 0,
    checkpointHash: input.checkpointHash ?? '',
    history: input.history ?? [],
  };
  setHandler(runStatusQuery, () => status);
  setHandler(pauseRunSignal, () => {
    if (status.state === 'running') status.state = 'paused';
  });
  setHandler(resumeRunSignal, () => {
    if (status.state === 'paused') status.state = 'running';
  });
  setHandler(stopRunSignal, () => {
    status.state = 'stopped';
  });

  if (!status.checkpointHash) {
    status.checkpointHash = await validation.createInitialCheckpoint({
      runId: input.runId,
      seed: input.seed,
    });
  }
  const firstRound = status.round;
  const roundsPerHistory = input.roundsPerHistory ?? DEFAULT_ROUNDS_PER_HISTORY;
  for (let round = firstRound; round < input.rounds; round++) {
    await condition(() => status.state !== 'paused');
    if (status.state === 'stopped') return status;
    if (round > firstRound && (round - firstRound) % roundsPerHistory === 0) {
      await continueAsNew<typeof trainingRun>({
        ...input,
        startRound: round,
        checkpointHash: status.checkpointHash,
        history: status.history.slice(-KEPT_SUMMARIES),
        paused: false,
      });
    }
    status.round = round;
    const summary = await executeChild(trainingRound, {
      workflowId: trainingRoundWorkflowId(input.runId, round),
      args: [
        {
          runId: input.runId,
          round,
          checkpointHash: status.checkpointHash,
          heldOutSeed: deriveSeed(input.seed, round, 0xbeef),
          settings: input.settings,
        },
      ],
    });
    status.history.push(summary);
    status.checkpointHash = summary.nextCheckpointHash;
  }
  status.state = 'finished';
  status.round = input.rounds;
  return status;
}
