import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { CoordinatorConfig } from '../coordinator/config';
import { loadSecrets } from '../coordinator/secrets';
import { temporalClient } from '../coordinator/temporal';
import { loadTrainingConfig } from '../coordinator/training-settings';
import { checkpointReader, playRound } from '../../clients/peer/client';
import { referenceTrainer } from '../../clients/peer/reference-trainer';
import type { StackConfig } from '../../dev/stack/config';
import { coordinatorUrl } from '../../dev/stack/coordinator-process';
import { connectLnd, readCredentials } from '../../dev/stack/lnd';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { TASK_QUEUES } from '../../temporal-config';
import { trainingRun } from '../../workflows';
import type { RunStatus } from '../../workflows/training-definitions';
import { trainingRunWorkflowId } from '../../workflows/training-definitions';

const DEMO_ROUNDS = 3;
/** Each demo submission stakes this much in a hold invoice: refunded unless the update is malformed or copied. */
const DEMO_STAKE_SATS = 100;
/** The demo's peers: two honest trainers and a sign-flipping poisoner, each on its own node and shard. */
const DEMO_PEERS = [
  { peerId: 'alice', node: 'peer', poison: false },
  { peerId: 'bob', node: 'peer2', poison: false },
  { peerId: 'mallory', node: 'peer3', poison: true },
];

export function roundTable(status: RunStatus): string[] {
  const peers = [...new Set(status.history.flatMap((round) => round.outcomes.map((o) => o.peerId)))].sort();
  const header = `round  accepted  held-out loss  ${peers.map((peer) => `${peer} sats`.padStart(13)).join(' ')}  stakes back/kept  time (s)`;
  return [
    header,
    ...status.history.map((round) => {
      const paid = peers.map((peer) =>
        String(round.outcomes.find((o) => o.peerId === peer)?.paidSats ?? '-').padStart(13),
      );
      const stakes = (verdict: string) => round.outcomes.filter((o) => o.stake === verdict).length;
      const staked = `${stakes('refund')}/${stakes('forfeit')}`.padStart(16);
      return `${String(round.round).padStart(5)}  ${`${round.accepted}/${round.submitted}`.padStart(8)}  ${round.heldOutLoss.toFixed(4).padStart(13)}  ${paid.join(' ')}  ${staked}  ${round.seconds.toFixed(1).padStart(8)}`;
    }),
  ];
}

/**
 * `npm start`'s training demo: the coordinator runs a short training run while three peers (one a poisoner) train,
 * stake and submit over HTTP and are paid through escrow on their own regtest nodes. A stack that already ran it prints it.
 */
export async function runTrainingDemo(
  stack: StackConfig,
  coordinator: CoordinatorConfig,
  say: (line: string) => void,
): Promise<void> {
  if (DEMO_PEERS.some((peer) => !stack.nodes.includes(peer.node))) {
    say(`training demo skipped: it needs the LND nodes ${DEMO_PEERS.map((peer) => peer.node).join(', ')}`);
    return;
  }
  const { runId, settings } = loadTrainingConfig();
  const client = await temporalClient(
    coordinator.temporal.address,
    coordinator.temporal.namespace,
    loadSecrets(coordinator.secretsFile),
  );
  const handle = client.workflow.getHandle(trainingRunWorkflowId(runId));
  try {
    await client.workflow.start(trainingRun, {
      taskQueue: TASK_QUEUES.control,
      workflowId: trainingRunWorkflowId(runId),
      // A run id names one run forever: its rounds, submissions and payouts are keyed by it.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [
        {
          runId,
          rounds: DEMO_ROUNDS,
          seed: 11,
          settings: {
            ...settings,
            peers: DEMO_PEERS.map((peer) => peer.peerId),
            stakeSats: DEMO_STAKE_SATS,
          },
        },
      ],
    });
    say(
      `training run ${runId}: ${DEMO_ROUNDS} rounds, peers ${DEMO_PEERS.map((p) => p.peerId + (p.poison ? ' (poisoner)' : '')).join(', ')}`,
    );
    await Promise.all(
      DEMO_PEERS.map(async (peer, shard) => {
        const train = referenceTrainer({ shard, shards: DEMO_PEERS.length, poison: peer.poison });
        const lnd = connectLnd(readCredentials(stack, peer.node));
        const apiUrl = coordinatorUrl(stack);
        const readCheckpoint = checkpointReader(apiUrl, lnd);
        let last = -1;
        for (let round = 0; round < DEMO_ROUNDS; round++) {
          const result = await playRound(
            { apiUrl, peerId: peer.peerId, lnd, cltvDelta: 60, train, readCheckpoint },
            last,
          );
          last = result.round;
          say(
            `  ${peer.peerId.padEnd(8)} round ${result.round}: earned ${result.earnedSats} sats (${result.revealed} tranche(s))`,
          );
        }
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    say(`training run ${runId} already ran on this stack; its rounds:`);
  }
  for (const line of roundTable((await handle.result()) as RunStatus)) say(line);
}
