/** @jest-environment ./test/unit/model/onnx-environment.js */
import { randomBytes, randomUUID } from 'node:crypto';
import { getWalletInfo } from 'ln-service';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { storedPayloadOf } from '../../../api/training/stored-payload';
import { linkedWorkflowIds } from '../../../server/audit/histories';
import { databaseBlobStore } from '../../../db/blobs';
import { weightsFromBytes } from '../../../model/weights';
import { checkpointReader, nextOpenRound, playRound } from '../../../clients/peer/client';
import { referenceTrainer } from '../../../clients/peer/reference-trainer';
import { TASK_QUEUES } from '../../../temporal-config';
import { trainingRun } from '../../../workflows';
import type { RunStatus } from '../../../workflows/training-definitions';
import { trainingRoundWorkflowId, trainingRunWorkflowId } from '../../../workflows/training-definitions';
import { testLnd } from '../../support/lightning';
import { submitGradient } from '../../support/submissions';
import { roundSettings, trainingApiForFile } from '../../support/training';

/**
 * Issue "one paid submission", item 2: a payload is stored once, by its sha256, and workflows carry the hash. A
 * 5 MB payload (an honest header, then 5 MB its pre-check refuses) goes through a real round beside an honest
 * update from the API; no payload of any history of the run carries more than a few KB.
 */
const FIVE_MB = 5 * 1024 * 1024;
/**
 * The largest single payload any of the run's histories may hold: settings, outcomes and evidence, never bytes.
 * The largest seen (about 5 KB) is the honest update's score evidence (its kept positions), whatever its size.
 */
const MAX_PAYLOAD_BYTES = 8 * 1024;

const alice = { peerId: 'alice', lnd: testLnd('peer'), train: referenceTrainer({ shard: 0, shards: 2 }) };
const mallory = {
  peerId: 'mallory',
  lnd: testLnd('peer3'),
  train: referenceTrainer({ shard: 1, shards: 2 }),
};
const settings = { ...roundSettings(['alice', 'mallory']), maxPayloadBytes: FIVE_MB + 64 * 1024 };
const runId = `run-${randomUUID()}`;
const stack = trainingApiForFile({ runId, settings });

/** Every Temporal payload in a history (inputs, results, signals, updates, markers), wherever it sits. */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return found;
  const object = value as Record<string, unknown>;
  if (object.data instanceof Uint8Array && 'metadata' in object) found.push(object as Payload);
  else for (const child of Object.values(object)) payloadsIn(child, found);
  return found;
}

async function historiesOfRun(): Promise<Map<string, temporal.api.history.v1.IHistory>> {
  const histories = new Map<string, temporal.api.history.v1.IHistory>();
  const pending = [trainingRunWorkflowId(runId)];
  while (pending.length > 0) {
    const workflowId = pending.pop()!;
    if (histories.has(workflowId)) continue;
    const history = await stack.harness.client.workflow.getHandle(workflowId).fetchHistory();
    histories.set(workflowId, history);
    pending.push(...linkedWorkflowIds(history));
  }
  return histories;
}

describe('a 5 MB payload in a round', () => {
  it('is stored once by its hash; no history of the run carries more than a few KB for it', async () => {
    const run = await stack.harness.client.workflow.start(trainingRun, {
      taskQueue: TASK_QUEUES.control,
      workflowId: trainingRunWorkflowId(runId),
      args: [{ runId, rounds: 1, seed: 21, settings }],
    });
    const opened = await nextOpenRound(checkpointReader(stack.api.url, mallory.lnd), -1, 200);
    const weights = weightsFromBytes(Buffer.from(opened.weights, 'base64'));
    const honest = alice.train(weights, 0);
    const huge = Buffer.concat([Buffer.from(mallory.train(weights, 0)), randomBytes(FIVE_MB)]);
    expect(huge.length).toBeGreaterThan(FIVE_MB);

    // Past the API's JSON body limit, as the API would after storing it: the bytes in the store, the hash to the round.
    const stored = storedPayloadOf(huge);
    expect(await databaseBlobStore(stack.harness.db.prisma).put(huge)).toBe(stored.sha256);
    const submitted = await submitGradient(stack.harness.client, trainingRoundWorkflowId(runId, 0), {
      peerId: 'mallory',
      round: 0,
      checkpointHash: opened.checkpointHash,
      payload: stored,
      earnerPublicKey: (await getWalletInfo({ lnd: mallory.lnd })).public_key,
    });
    await playRound({ apiUrl: stack.api.url, ...alice, train: () => honest, cltvDelta: 60, pollMs: 200 });

    const result = (await run.result()) as RunStatus;
    const outcomes = result.history[0]!.outcomes;
    const refused = outcomes.find((outcome) => outcome.peerId === 'mallory')!;
    // The pre-check read the 5 MB from the store and refused what follows the honest update.
    expect(refused).toMatchObject({ accepted: false, paidSats: 0 });
    expect(refused.reason).toMatch(/^SPARSELOCO_[A-Z_]+$/);
    expect(outcomes.find((outcome) => outcome.peerId === 'alice')?.reason).not.toBe('submission-failed');

    const rows = await stack.harness.db.prisma.trainingSubmission.findMany({ where: { runId } });
    expect(rows.find((row) => row.peerId === 'mallory')?.payloadHash).toBe(stored.sha256);
    expect(rows.find((row) => row.peerId === 'alice')?.payloadHash).toBe(storedPayloadOf(honest).sha256);

    const histories = await historiesOfRun();
    // The run, its round, two submissions and alice's escrow.
    expect(histories.size).toBe(5);
    const sizes = [...histories].map(([workflowId, history]) => ({
      workflowId,
      historyBytes: temporal.api.history.v1.History.encode(history).finish().length,
      largestPayloadBytes: Math.max(...payloadsIn(history).map((payload) => payload.data?.length ?? 0)),
    }));
    process.stdout.write(`histories of a run with a ${huge.length}-byte payload: ${JSON.stringify(sizes)}\n`);
    expect(Math.max(...sizes.map((size) => size.largestPayloadBytes))).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    // Whole histories stay far below the payload they are about; the 5 MB one's own history is a few KB.
    expect(Math.max(...sizes.map((size) => size.historyBytes))).toBeLessThan(64 * 1024);
    const own = sizes.find((size) => size.workflowId === submitted.workflowId)!;
    expect(own.historyBytes).toBeLessThan(16 * 1024);
  }, 240_000);
});
