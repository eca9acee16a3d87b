// End-to-end round time for 3 peers (two honest, one poisoner) through the whole protocol — HTTP, Temporal
// workflows, escrow on regtest LND, scoring on the validation queue — vs the same peers in the offline simulation
// (training, scoring, aggregation; no Lightning, no Temporal), measured in one run.
//   node -r tsx/cjs bench/round.ts            (BENCH_ROUNDS=N, default 3)
import { randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadTrainingConfig } from '../../server/coordinator/training-settings';
import { validationActivities } from '../../server/coordinator/validator';
import { DEFAULT_SIMULATION, runSimulation } from '../../model/simulation';
import { playRound } from '../../clients/peer/client';
import { referenceTrainer } from '../../clients/peer/reference-trainer';
import { loadStackConfig } from '../stack/config';
import { stackUp } from '../stack/launcher';
import { connectLnd, readCredentials } from '../stack/lnd';
import { TASK_QUEUES } from '../../temporal-config';
import { trainingRun } from '../../workflows';
import type { RunStatus } from '../../workflows/training-definitions';
import { trainingRunWorkflowId } from '../../workflows/training-definitions';
import { startLocalCoordinator } from './local-coordinator';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PEERS = [
  { peerId: 'alice', node: 'peer', poison: false },
  { peerId: 'bob', node: 'peer2', poison: false },
  { peerId: 'mallory', node: 'peer3', poison: true },
];

async function protocolRounds(): Promise<number[]> {
  const stack = loadStackConfig();
  await stackUp(stack);
  const runId = `bench-${randomUUID()}`;
  const settings = { ...loadTrainingConfig().settings, peers: PEERS.map((peer) => peer.peerId) };
  const coordinator = await startLocalCoordinator(stack, {
    validation: validationActivities,
    training: { runId, settings },
  });
  const { client, apiUrl } = coordinator;

  const run = await client.workflow.start(trainingRun, {
    taskQueue: TASK_QUEUES.control,
    workflowId: trainingRunWorkflowId(runId),
    args: [{ runId, rounds: ROUNDS, seed: 11, settings }],
  });
  await Promise.all(
    PEERS.map(async (peer, shard) => {
      const train = referenceTrainer({ shard, shards: PEERS.length, poison: peer.poison });
      const lnd = connectLnd(readCredentials(stack, peer.node));
      let last = -1;
      for (let round = 0; round < ROUNDS; round++) {
        last = (
          await playRound({ apiUrl, peerId: peer.peerId, lnd, cltvDelta: 60, train, pollMs: 100 }, last)
        ).round;
      }
    }),
  );
  const status = (await run.result()) as RunStatus;
  await coordinator.stop();
  return status.history.map((round) => round.seconds);
}

async function offlineRounds(): Promise<number[]> {
  const report = await runSimulation({
    ...DEFAULT_SIMULATION,
    peers: 2,
    rounds: ROUNDS,
    poisoner: 'sign-flip',
  });
  return report.rounds.map((round) => round.seconds);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const offline = await offlineRounds();
  const protocol = await protocolRounds();
  console.log(`round time for 3 peers (2 honest, 1 poisoner), ${ROUNDS} rounds, seconds`);
  console.log('round   protocol (HTTP + Temporal + LND escrow)   offline simulation   overhead');
  protocol.forEach((seconds, round) => {
    const base = offline[round] ?? NaN;
    console.log(
      `${String(round).padStart(5)}   ${seconds.toFixed(2).padStart(38)}   ${base.toFixed(2).padStart(18)}   ${(seconds - base).toFixed(2).padStart(8)}`,
    );
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
