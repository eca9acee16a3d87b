import { condition, continueAsNew, executeChild, proxyActivities, setHandler } from '@temporalio/workflow';
import type { TrainingValidationActivities } from '../activities/training-validation';
import { roundPoolSats } from '../domain/money/round-pool';
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
  /** Rewards the whole run may pay; default: enough for every peer to earn the cap in every round. */
  budgetSats?: number;
  /** Rounds per workflow run before continuing as new (default 5). */
  roundsPerHistory?: number;
  startRound?: number;
  checkpointHash?: string;
  history?: RoundSummary[];
  spentSats?: number;
  paused?: boolean;
}

/** The run's reward budget: as given, or a fully funded one (every peer earns the cap in every round). */
export function runBudgetSats(input: Pick<TrainingRunInput, 'budgetSats' | 'rounds' | 'settings'>): number {
  return input.budgetSats ?? input.rounds * input.settings.peers.length * input.settings.payout.capSats;
}

/**
 * A training run: a sequence of rounds over one model and data split with a reward budget, each round paying at
 * most its share of what is left; pause, resume and stop.
 */
export async function trainingRun(input: TrainingRunInput): Promise<RunStatus> {
  const status: RunStatus = {
    runId: input.runId,
    state: input.paused ? 'paused' : 'running',
    round: input.startRound ?? 0,
    checkpointHash: input.checkpointHash ?? '',
    budgetSats: runBudgetSats(input),
    spentSats: input.spentSats ?? 0,
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
        spentSats: status.spentSats,
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
          poolSats: roundPoolSats({
            budgetSats: status.budgetSats,
            spentSats: status.spentSats,
            roundsLeft: input.rounds - round,
          }),
          settings: input.settings,
        },
      ],
    });
    status.history.push(summary);
    status.spentSats += summary.outcomes.reduce((total, outcome) => total + outcome.paidSats, 0);
    status.checkpointHash = summary.nextCheckpointHash;
  }
  status.state = 'finished';
  status.round = input.rounds;
  return status;
}
