import { randomUUID } from 'node:crypto';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { apiRoutes } from '../../../server/coordinator/routes';
import { trainingRepository } from '../../../db/repos/training';
import { playRound } from '../../../clients/peer/client';
import { TASK_QUEUES } from '../../../temporal-config';
import { trainingRun } from '../../../workflows';
import { escrowStatusQuery, escrowWorkflowId } from '../../../workflows/definitions';
import type { RunStatus } from '../../../workflows/training-definitions';
import { trainingRoundWorkflowId, trainingRunWorkflowId } from '../../../workflows/training-definitions';
import { linkedWorkflowIds } from '../../../server/audit/histories';
import { startTestApi } from '../api';
import type { threePeers } from '../training';
import { roundSettings } from '../training';
import type { ExpectedHash, ScenarioDeps, ScenarioRun } from './scenarios';

const all = <T, R>(items: T[], step: (item: T, index: number) => Promise<R>) => Promise.all(items.map(step));

/** What one flow is: a peer's submission (its workflow records it) or a round (its workflow aggregates it). */
export type TrainingFlow = 'submission' | 'round';

export const PEERS_PER_ROUND = 3;

/** The peers of every round: threePeers(), made once per test file (their training threads end with it). */
export type TrainingPeer = ReturnType<typeof threePeers>[number];

/** Runs needed for `flows` flows of this kind: one round per run, three submissions per round. */
export const trainingRuns = (flows: number, flow: TrainingFlow) =>
  flow === 'round' ? flows : Math.ceil(flows / PEERS_PER_ROUND);

/** A trainer thread trains one round at a time: rounds of runs side by side wait their turn for it. */
function oneAtATime(train: TrainingPeer['train']): TrainingPeer['train'] {
  let last: Promise<unknown> = Promise.resolve();
  return (weights, round) => {
    const next = last.then(() => train(weights, round));
    last = next.catch(() => undefined);
    return next;
  };
}

/**
 * One-round training runs side by side, each behind its own API, played by two honest peers and a poisoner
 * (`peers`), so the rounds reach their submission records and their aggregations close together.
 * Needs a control and a validation worker (the real scorer). Besides payments it checks each submission and each
 * checkpoint was stored once and equals what the run returned.
 */
export async function trainingScenario(
  deps: ScenarioDeps,
  peers: TrainingPeer[],
  runs: number,
  flow: TrainingFlow,
): Promise<ScenarioRun> {
  const players = peers.map((peer) => ({ ...peer, train: oneAtATime(peer.train) }));
  // The round closes as soon as all three have submitted; its window only has to outlast three peers training
  // side by side on a loaded machine (120 s did not, once, in CI).
  const settings = { ...roundSettings(peers.map((peer) => peer.peerId)), submitWithinSeconds: 300 };
  const runIds = Array.from({ length: runs }, () => `crash-${flow}-${randomUUID()}`);
  const statuses = await all(runIds, async (runId, i) => {
    const api = await startTestApi(
      apiRoutes({
        temporal: deps.client,
        prisma: deps.prisma,
        lightning: lnServiceClient(deps.coordinator),
        training: { runId, settings },
      }),
    );
    try {
      const run = await deps.client.workflow.start(trainingRun, {
        taskQueue: TASK_QUEUES.control,
        workflowId: trainingRunWorkflowId(runId),
        // Seeds differ so no two runs store the same weights (checkpoints are keyed by their hash).
        args: [{ runId, rounds: 1, seed: 100 + i, settings }],
      });
      await all(players, (peer) => playRound({ apiUrl: api.url, ...peer, cltvDelta: 60, pollMs: 500 }));
      return (await run.result()) as RunStatus;
    } finally {
      await api.close();
    }
  });

  const finishedAt = Date.now();
  const training = trainingRepository(deps.prisma);
  const problems: string[] = [];
  const hashes: ExpectedHash[] = [];
  const paidByPeer = new Map(peers.map((peer) => [peer.peerId, 0]));
  for (const [i, status] of statuses.entries()) {
    const runId = runIds[i] as string;
    const summary = status.history[0];
    if (status.state !== 'finished' || !summary || summary.submitted !== PEERS_PER_ROUND) {
      problems.push(`${runId}: ${status.state}, ${summary?.submitted ?? 0} submitted`);
      continue;
    }
    const checkpoints = await deps.prisma.checkpoint.findMany({ where: { runId, round: 1 } });
    if (
      checkpoints.length !== 1 ||
      checkpoints[0]?.hash !== summary.nextCheckpointHash ||
      checkpoints[0]?.heldOutLoss !== summary.heldOutLoss
    ) {
      problems.push(
        `${runId}: round 1 checkpoints ${JSON.stringify(checkpoints.map((c) => [c.hash, c.heldOutLoss]))}, run returned ${summary.nextCheckpointHash}`,
      );
    }
    const rows = await training.submissions(runId, 0);
    if (rows.length !== PEERS_PER_ROUND) problems.push(`${runId}: ${rows.length} submission rows`);
    for (const outcome of summary.outcomes) {
      const row = rows.find((candidate) => candidate.submissionId === outcome.submissionId);
      const stored = row && { accepted: row.accepted, revealed: row.revealed, paidSats: row.paidSats };
      const returned = { accepted: outcome.accepted, revealed: outcome.revealed, paidSats: outcome.paidSats };
      if (JSON.stringify(stored) !== JSON.stringify(returned)) {
        problems.push(
          `${outcome.submissionId}: stored ${JSON.stringify(stored)}, returned ${JSON.stringify(returned)}`,
        );
      }
      paidByPeer.set(outcome.peerId, (paidByPeer.get(outcome.peerId) ?? 0) + outcome.paidSats);
      const peer = peers.find((candidate) => candidate.peerId === outcome.peerId);
      const escrow = await deps.client.workflow
        .getHandle(escrowWorkflowId(outcome.escrowId))
        .query(escrowStatusQuery);
      escrow.paymentHashes.forEach((paymentHash, tranche) => {
        const settled = tranche < outcome.revealed;
        hashes.push({
          paymentHash,
          invoiceNode: peer?.lnd ?? deps.coordinator,
          sats: escrow.trancheSats[tranche] as number,
          settled,
          ledger: { direction: 'OUTGOING', state: settled ? 'SETTLED' : 'FAILED' },
        });
      });
    }
  }
  const totalPaid = [...paidByPeer.values()].reduce((total, sats) => total + sats, 0);
  // Every submission of these rounds was admitted: the submission workflows are the ones each round signalled.
  const submissionWorkflowIds = async () =>
    (
      await all(runIds, async (runId) =>
        linkedWorkflowIds(
          await deps.client.workflow.getHandle(trainingRoundWorkflowId(runId, 0)).fetchHistory(),
        ),
      )
    )
      .flat()
      .filter((id) => id.startsWith('submission/'));
  return {
    finishedAt,
    workflowIds:
      flow === 'round'
        ? runIds.map((runId) => trainingRoundWorkflowId(runId, 0))
        : await submissionWorkflowIds(),
    hashes,
    moves: [
      ...peers.map((peer) => ({ node: peer.node, lnd: peer.lnd, sats: paidByPeer.get(peer.peerId) ?? 0 })),
      { node: 'coordinator', lnd: deps.coordinator, sats: -totalPaid },
    ],
    problems,
  };
}
