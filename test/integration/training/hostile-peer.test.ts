/** @jest-environment ./test/unit/model/onnx-environment.js */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { getWalletInfo } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { compress, decodeUpdate, decompress, encodeUpdate, IndexCoding } from '../../../kernels';
import { SIGN_BIT } from '../../../kernels/sparseloco';
import { ledgerRepository } from '../../../db/repos/ledger';
import { weightsFromBytes } from '../../../model/weights';
import { checkpointReader, nextOpenRound, playRound } from '../../../clients/peer/client';
import { referenceTrainer } from '../../../clients/peer/reference-trainer';
import { TASK_QUEUES } from '../../../temporal-config';
import { trainingRun } from '../../../workflows';
import { trainingRoundWorkflowId, trainingRunWorkflowId } from '../../../workflows/training-definitions';
import { channelBalance, testLnd } from '../../support/lightning';
import { storedPayloadOf } from '../../../api/training/stored-payload';
import { roundSettings, trainingApiForFile } from '../../support/training';
import { submitGradient } from '../../support/submissions';
import { listWorkflows } from '../../support/temporal';

/**
 * Issue "hostile participants", attack 5: a peer sends an otherwise honest update with k = 65. Before the run
 * pinned its wire settings, it passed the pre-check, was accepted and paid, and then failed the round's
 * aggregation (SPARSELOCO_SHAPE_MISMATCH) and so the round and the run. Now the door refuses it, the round
 * and the run complete, the honest peers are paid, the attacker is not, and nothing is left running.
 */
const peers = [
  { peerId: 'alice', lnd: testLnd('peer'), train: referenceTrainer({ shard: 0, shards: 3 }) },
  { peerId: 'bob', lnd: testLnd('peer2'), train: referenceTrainer({ shard: 1, shards: 3 }) },
];
const mallory = { peerId: 'mallory', lnd: testLnd('peer3') };
const malloryHonest = referenceTrainer({ shard: 2, shards: 3 });
const settings = roundSettings(['alice', 'bob', 'mallory']);
const runId = `run-${randomUUID()}`;
const stack = trainingApiForFile({ runId, settings });

/** Mallory's honest update recompressed with one more kept entry per chunk than the run's k, and sign-flipped. */
function malloryPayloads(weights: Float32Array) {
  const honest = decodeUpdate(malloryHonest(weights, 0));
  return {
    k65: encodeUpdate(
      compress(decompress(honest), honest.shapes, { chunkSize: 4096, k: 65 }),
      IndexCoding.RiceGaps,
    ),
    // her fallback, an update the door takes: sign-flipped, so scoring rejects it
    poisoned: encodeUpdate(
      { ...honest, codes: honest.codes.map((code) => code ^ SIGN_BIT) },
      IndexCoding.RiceGaps,
    ),
  };
}

describe('a peer that sends k = 65 in a round of three', () => {
  it('is refused at the door; the round and the run complete, the honest peers are paid, she is not', async () => {
    const before = await Promise.all([...peers, mallory].map((peer) => channelBalance(peer.lnd)));
    const run = await stack.harness.client.workflow.start(trainingRun, {
      taskQueue: TASK_QUEUES.control,
      workflowId: trainingRunWorkflowId(runId),
      args: [{ runId, rounds: 1, seed: 13, settings }],
    });

    // Every update is trained before any peer talks to the API: training blocks this process's event loop, and
    // the API and the peers' polling share it.
    const opened = await nextOpenRound(checkpointReader(stack.api.url, mallory.lnd), -1, 200);
    const weights = weightsFromBytes(Buffer.from(opened.weights, 'base64'));
    const payloads = peers.map((peer) => peer.train(weights, 0));
    const { k65, poisoned } = malloryPayloads(weights);
    const play = (peer: { peerId: string; lnd: AuthenticatedLnd }, payload: Uint8Array) =>
      playRound({ apiUrl: stack.api.url, ...peer, train: () => payload, cltvDelta: 60, pollMs: 200 });

    const refused = await play(mallory, k65).then(
      () => null,
      (err: { code?: string; status?: number }) => err,
    );
    expect(refused).toMatchObject({ code: 'GRADIENT_COMPRESSION_MISMATCH', status: 409 });

    // Past the API's precheck, straight to a submission: the round's own door refuses the same payload.
    const direct = await submitGradient(stack.harness.client, trainingRoundWorkflowId(runId, 0), {
      peerId: 'mallory',
      round: 0,
      checkpointHash: opened.checkpointHash,
      payload: storedPayloadOf(k65),
      earnerPublicKey: (await getWalletInfo({ lnd: mallory.lnd })).public_key,
    }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(direct).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((direct as WorkflowUpdateFailedError).cause).toMatchObject({
      type: 'GRADIENT_COMPRESSION_MISMATCH',
    });

    const [alice, bob, fallback] = await Promise.all([
      play(peers[0]!, payloads[0]!),
      play(peers[1]!, payloads[1]!),
      play(mallory, poisoned),
    ]);
    const status = await run.result();

    expect(status.state).toBe('finished');
    const summary = status.history[0]!;
    const outcomes = Object.fromEntries(summary.outcomes.map((o) => [o.peerId, o]));
    expect(outcomes.alice).toMatchObject({ accepted: true, reason: 'improves-loss' });
    expect(outcomes.bob).toMatchObject({ accepted: true, reason: 'improves-loss' });
    expect(outcomes.mallory).toMatchObject({ accepted: false, revealed: 0, paidSats: 0 });
    expect(summary.notAggregated).toEqual([]);
    expect(outcomes.alice!.paidSats).toBeGreaterThan(0);
    expect(outcomes.bob!.paidSats).toBeGreaterThan(0);
    expect([alice!.earnedSats, bob!.earnedSats, fallback.earnedSats]).toEqual([
      outcomes.alice!.paidSats,
      outcomes.bob!.paidSats,
      0,
    ]);
    const after = await Promise.all([...peers, mallory].map((peer) => channelBalance(peer.lnd)));
    expect(after.map((balance, i) => balance - before[i]!)).toEqual([
      outcomes.alice!.paidSats,
      outcomes.bob!.paidSats,
      0,
    ]);

    expect(await ledgerRepository(stack.harness.db.prisma).listNonFinal()).toEqual([]);
    expect(await listWorkflows(stack.harness.env.address, 'ExecutionStatus="Running"')).toEqual([]);
  });
});
