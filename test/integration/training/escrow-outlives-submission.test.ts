/** @jest-environment ./test/unit/model/onnx-environment.js */
import { randomUUID } from 'node:crypto';
import { createEncryptionCodec } from '../../../temporal-config/codec';
import { playRound } from '../../../clients/peer/client';
import { TASK_QUEUES } from '../../../temporal-config';
import { trainingRun } from '../../../workflows';
import type { RewardEscrowResult } from '../../../workflows/reward-escrow';
import { escrowStatusQuery, escrowWorkflowId } from '../../../workflows/definitions';
import {
  roundStatusQuery,
  trainingRoundWorkflowId,
  trainingRunWorkflowId,
} from '../../../workflows/training-definitions';
import { channelBalance } from '../../support/lightning';
import { admittedWorkflows } from '../../support/submissions';
import { roundSettings, trainingApiForFile, threePeers } from '../../support/training';
import { eventually } from '../../support/workflows';

/**
 * Why a submission's reward escrow is its own workflow (a child the submission abandons) rather than a step inside
 * it: locked tranches must reach their end whatever happens to the submission. Here the submission is terminated
 * (an operator ending it, or a bug that fails it) once its tranches are held on the peer's node and before any
 * decision: the escrow goes on alone, reveals nothing when its decision window ends, and the peer, told to, cancels,
 * so the sats come back within that window. Run inside the submission, they would stay locked until the HTLCs'
 * CLTV expiry (up to `maxInvoiceCltvDelta` blocks) with nothing left to tell the peer.
 */
const [alice] = threePeers();
const DECIDE_WITHIN_SECONDS = 8;
const base = roundSettings(['alice', 'bob']);
// Bob never comes, so the round waits out its window and alice's escrow is still undecided when she is terminated.
const settings = {
  ...base,
  submitWithinSeconds: 90,
  escrow: { ...base.escrow, invoiceWithinSeconds: 30, decideWithinSeconds: DECIDE_WITHIN_SECONDS },
};
const runId = `run-${randomUUID()}`;
const stack = trainingApiForFile({ runId, settings });

describe('a reward escrow whose submission is terminated while its tranches are held', () => {
  it('ends on its own timer and every tranche comes back to the coordinator', async () => {
    const peer = alice!;
    const before = await channelBalance(peer.lnd);
    await stack.harness.client.workflow.start(trainingRun, {
      taskQueue: TASK_QUEUES.control,
      workflowId: trainingRunWorkflowId(runId),
      args: [{ runId, rounds: 1, seed: 17, settings }],
    });
    const played = playRound({
      apiUrl: stack.api.url,
      peerId: peer.peerId,
      lnd: peer.lnd,
      cltvDelta: 60,
      pollMs: 100,
      train: peer.train,
    });

    const round = stack.harness.client.workflow.getHandle(trainingRoundWorkflowId(runId, 0));
    const { escrowId, submissionId } = await eventually(
      'alice admitted',
      async () => {
        const status = await round.query(roundStatusQuery).catch(() => null);
        return status?.submissions[0] ?? null;
      },
      120_000,
    );
    const escrow = stack.harness.client.workflow.getHandle(escrowWorkflowId(escrowId));
    await eventually(
      'her tranches locked',
      async () => (await escrow.query(escrowStatusQuery).catch(() => null))?.phase === 'locked',
      60_000,
    );
    const codec = createEncryptionCodec(stack.harness.secrets.codecKeys);
    const submission = (await admittedWorkflows(stack.harness.client, codec, round.workflowId)).get(
      submissionId,
    )!;
    await stack.harness.client.workflow.getHandle(submission).terminate('operator ends the submission');
    const terminatedAt = Date.now();

    const result = (await escrow.result()) as RewardEscrowResult;
    expect(result).toMatchObject({ phase: 'completed', revealed: 0, paidSats: 0, returnedSats: 3_000 });
    expect(Date.now() - terminatedAt).toBeLessThan((DECIDE_WITHIN_SECONDS + 20) * 1000);
    expect(await played).toMatchObject({ revealed: 0, earnedSats: 0 });
    expect(await channelBalance(peer.lnd)).toBe(before);
  });
});
