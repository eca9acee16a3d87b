/** @jest-environment ./test/unit/model/onnx-environment.js */
import { randomUUID } from 'node:crypto';
import { createInvoice, payViaPaymentRequest } from 'ln-service';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import type { AuditCode } from '../../../server/audit/findings';
import { temporalHistories } from '../../../server/audit/histories';
import type { HistorySource } from '../../../server/audit/histories';
import { auditTrainingRun } from '../../../server/audit/training-audit';
import { apiRoutes } from '../../../server/coordinator/routes';
import { lazyTrainingScorer } from '../../../server/coordinator/training-scorer';
import { trainingRepository } from '../../../db/repos/training';
import { playRound } from '../../../clients/peer/client';
import { TASK_QUEUES } from '../../../temporal-config';
import { createEncryptionCodec } from '../../../temporal-config/codec';
import { trainingRun } from '../../../workflows';
import { escrowWorkflowId } from '../../../workflows/definitions';
import type { RewardEscrowInput, RewardEscrowResult } from '../../../workflows/reward-escrow';
import type { TrainingRoundInput } from '../../../workflows/training-round';
import type { PaidSubmissionResult } from '../../../workflows/submission-definitions';
import type { SubmissionOutcome } from '../../../workflows/training-definitions';
import { trainingRoundWorkflowId, trainingRunWorkflowId } from '../../../workflows/training-definitions';
import type { TestApi } from '../../support/api';
import { startTestApi } from '../../support/api';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import { testLnd } from '../../support/lightning';
import { admittedWorkflows } from '../../support/submissions';
import { realTrainingValidation, roundSettings, threePeers } from '../../support/training';
import {
  alterActivityInput,
  alterActivityResult,
  alterResult,
  alterStartInput,
  renameActivity,
  tamperedHistories,
  withoutHistory,
} from './support';

const ROUNDS = 2;
const peers = threePeers();
const settings = roundSettings(
  peers.map((peer) => peer.peerId),
  100,
);
const runId = `run-${randomUUID()}`;
const coordinatorLnd = testLnd('coordinator');
const outsider = testLnd('peer3');
let harness: ControlHarness;
let api: TestApi;
const scorer = lazyTrainingScorer();
const foreign = { payment: '', invoice: '' };

const audit = (histories?: (source: HistorySource) => HistorySource) => {
  const source = temporalHistories(harness.client);
  return auditTrainingRun(
    {
      client: harness.client,
      codec: createEncryptionCodec(harness.secrets.codecKeys),
      prisma: harness.db.prisma,
      lightning: lnServiceClient(coordinatorLnd),
      scorer,
      histories: histories ? histories(source) : source,
    },
    runId,
  );
};
const codes = async (histories?: (source: HistorySource) => HistorySource) =>
  new Set((await audit(histories)).findings.map((finding) => finding.code));
const codec = () => createEncryptionCodec(harness.secrets.codecKeys);
const submission = async (round: number, peerId: string) => {
  const rows = await trainingRepository(harness.db.prisma).submissions(runId, round);
  return rows.find((row) => row.peerId === peerId)!;
};
/** The `paidSubmission` workflow that carried a decided submission of the run. */
const workflowOf = async (round: number, submissionId: string) =>
  (await admittedWorkflows(harness.client, codec(), trainingRoundWorkflowId(runId, round))).get(
    submissionId,
  )!;
/** What a decided submission's own workflow says it came to. */
const outcomeOf = async (round: number, submissionId: string) => {
  const result = (await harness.client.workflow
    .getHandle(await workflowOf(round, submissionId))
    .result()) as PaidSubmissionResult;
  return result.outcome as SubmissionOutcome;
};

beforeAll(async () => {
  harness = await startControlHarness({ validationActivities: realTrainingValidation });
  api = await startTestApi(
    apiRoutes({
      temporal: harness.client,
      prisma: harness.db.prisma,
      lightning: lnServiceClient(coordinatorLnd),
      training: { runId, settings },
    }),
  );
  const run = await harness.client.workflow.start(trainingRun, {
    taskQueue: TASK_QUEUES.control,
    workflowId: trainingRunWorkflowId(runId),
    // One round per execution: the second round runs in a continued execution.
    args: [{ runId, rounds: ROUNDS, seed: 3, settings, roundsPerHistory: 1 }],
  });
  // Within the run's window: a payment and a paid invoice of another workflow, claimed as such in the ledger.
  const bill = await createInvoice({ lnd: outsider, tokens: 321, description: 'another run' });
  await payViaPaymentRequest({ lnd: coordinatorLnd, request: bill.request });
  const incoming = await createInvoice({ lnd: coordinatorLnd, tokens: 123, description: 'another run' });
  await payViaPaymentRequest({ lnd: outsider, request: incoming.request });
  foreign.payment = bill.id;
  foreign.invoice = incoming.id;
  for (const [paymentHash, direction, sats] of [
    [bill.id, 'OUTGOING', 321],
    [incoming.id, 'INCOMING', 123],
  ] as const)
    await harness.db.prisma.ledgerEntry.create({
      data: {
        paymentHash,
        direction,
        purpose: 'ROUND_TRIP',
        amountSats: BigInt(sats),
        state: 'SETTLED',
        workflowId: 'training-run/another-run',
      },
    });
  await Promise.all(
    peers.map(async (peer) => {
      for (let round = 0; round < ROUNDS; round++)
        await playRound({ apiUrl: api.url, ...peer, cltvDelta: 60, pollMs: 200 }, round - 1);
    }),
  );
  expect((await run.result()).state).toBe('finished');
}, 240_000);

afterAll(async () => {
  await api?.close();
  await harness?.stop();
});

describe('the audit of a two-execution training run with stakes', () => {
  it('finds nothing in a clean run: both executions, every round, submission, escrow and stake replayed', async () => {
    const report = await audit();
    expect(report.findings).toEqual([]);
    expect(report.runExecutions).toBe(2);
    // 2 run executions + per round: the round, 3 submissions (each holding its stake), 3 escrows.
    expect(report.replayed).toBe(2 + ROUNDS * 7);
    expect(report.rounds.map((round) => [round.round, round.submissions, round.accepted])).toEqual([
      [0, 3, 2],
      [1, 3, 2],
    ]);
    // The foreign payment and invoice are claimed by another workflow's ledger rows: counted, not findings.
    expect(report.node?.other).toBeGreaterThanOrEqual(2);
    expect(report.node?.known).toBeGreaterThanOrEqual(ROUNDS * 2 * 2 + ROUNDS * 3);
  });

  const restoring = async <T>(
    finding: AuditCode | AuditCode[],
    tamper: () => Promise<T>,
    restore: (saved: T) => Promise<unknown>,
  ) => {
    const saved = await tamper();
    try {
      const found = await codes();
      for (const code of [finding].flat()) expect(found).toContain(code);
    } finally {
      await restore(saved);
    }
  };

  /** Flips one byte of a stored blob (payload or checkpoint) and gives it back as it was after. */
  const alteringBlob = async (
    sha256: string,
    finding: AuditCode | AuditCode[],
    flip: (bytes: Buffer) => void,
  ) => {
    const { bytes } = await harness.db.prisma.blob.findUniqueOrThrow({ where: { sha256 } });
    const altered = Buffer.from(bytes);
    flip(altered);
    await restoring(
      finding,
      () => harness.db.prisma.blob.update({ where: { sha256 }, data: { bytes: new Uint8Array(altered) } }),
      () => harness.db.prisma.blob.update({ where: { sha256 }, data: { bytes } }),
    );
  };

  it('AUDIT_PAYLOAD_ALTERED: a stored payload that is not the recorded one', async () => {
    const bob = await submission(1, 'bob');
    await alteringBlob(bob.payloadHash, 'AUDIT_PAYLOAD_ALTERED', (bytes) => {
      bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    });
  });

  it('AUDIT_PAYLOAD_ALTERED: a decided submission row that names another payload', async () => {
    const bob = await submission(1, 'bob');
    const alice = await submission(1, 'alice');
    await restoring(
      'AUDIT_PAYLOAD_ALTERED',
      () =>
        harness.db.prisma.trainingSubmission.update({
          where: { submissionId: bob.submissionId },
          data: { payloadHash: alice.payloadHash },
        }),
      () =>
        harness.db.prisma.trainingSubmission.update({
          where: { submissionId: bob.submissionId },
          data: { payloadHash: bob.payloadHash },
        }),
    );
  });

  const escrowRows = async (round: number, peerId: string, state: 'SETTLED' | 'FAILED') => {
    const { submissionId } = await submission(round, peerId);
    const outcome = await outcomeOf(round, submissionId);
    return harness.db.prisma.ledgerEntry.findMany({
      where: { workflowId: escrowWorkflowId(outcome.escrowId), state },
    });
  };

  it('AUDIT_LEDGER_MISMATCH: a withheld tranche the ledger says was paid', async () => {
    const [withheld] = [...(await escrowRows(0, 'mallory', 'FAILED'))];
    await restoring(
      'AUDIT_LEDGER_MISMATCH',
      () => harness.db.prisma.ledgerEntry.update({ where: { id: withheld!.id }, data: { state: 'SETTLED' } }),
      () => harness.db.prisma.ledgerEntry.update({ where: { id: withheld!.id }, data: { state: 'FAILED' } }),
    );
  });

  it('AUDIT_TRANCHE_SATS: a paid tranche inflated in the ledger', async () => {
    const [paid] = await escrowRows(1, 'alice', 'SETTLED');
    await restoring(
      'AUDIT_TRANCHE_SATS',
      () =>
        harness.db.prisma.ledgerEntry.update({
          where: { id: paid!.id },
          data: { amountSats: paid!.amountSats + 500n },
        }),
      () =>
        harness.db.prisma.ledgerEntry.update({
          where: { id: paid!.id },
          data: { amountSats: paid!.amountSats },
        }),
    );
  });

  it('AUDIT_TRANCHE_SATS: an escrow whose recorded first tranche is larger than what it paid', async () => {
    const { submissionId } = await submission(1, 'alice');
    const outcome = await outcomeOf(1, submissionId);
    expect(outcome.revealed).toBeGreaterThan(0);
    const report = await audit((source) =>
      tamperedHistories(
        source,
        escrowWorkflowId(outcome.escrowId),
        alterStartInput<RewardEscrowInput>(codec(), (input) => ({
          ...input,
          trancheSats: input.trancheSats.map((sats, i) => (i === 0 ? sats + 500 : sats)),
        })),
      ),
    );
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'AUDIT_TRANCHE_SATS',
          submissionId,
          problem: expect.stringMatching(/paid \d+ sats, its first \d+ tranches/),
        }),
      ]),
    );
  });

  it('AUDIT_CHECKPOINT_ALTERED: a stored checkpoint whose weights no longer hash to its id', async () => {
    const { checkpointHash } = (await harness.client.workflow
      .getHandle(trainingRoundWorkflowId(runId, 1))
      .result()) as { checkpointHash: string };
    await alteringBlob(checkpointHash, 'AUDIT_CHECKPOINT_ALTERED', (bytes) => {
      for (let offset = 0; offset < bytes.length; offset += 4)
        bytes.writeFloatLE(bytes.readFloatLE(offset) * 1.05, offset);
    });
  });

  it('AUDIT_RESCORE_MISMATCH: a submission history says was scored on weights other than the ones it was', async () => {
    const [round0, round1] = await Promise.all(
      [0, 1].map(
        async (round) =>
          (await harness.client.workflow.getHandle(trainingRoundWorkflowId(runId, round)).result()) as {
            checkpointHash: string;
          },
      ),
    );
    expect(round0!.checkpointHash).not.toBe(round1!.checkpointHash);
    const bob = await workflowOf(1, (await submission(1, 'bob')).submissionId);
    const found = await codes((source) =>
      tamperedHistories(
        source,
        bob,
        alterActivityInput<{ checkpointHash: string }>(codec(), 'scoreGradient', (input) => ({
          ...input,
          checkpointHash: round0!.checkpointHash,
        })),
      ),
    );
    expect(found).toContain('AUDIT_RESCORE_MISMATCH');
  });

  it('AUDIT_VERDICT_MISMATCH: a round whose recorded pool could not have paid what it revealed', async () => {
    const found = await codes((source) =>
      tamperedHistories(
        source,
        trainingRoundWorkflowId(runId, 0),
        alterStartInput<TrainingRoundInput>(codec(), (input) => ({ ...input, poolSats: 1_000 })),
      ),
    );
    expect(found).toContain('AUDIT_VERDICT_MISMATCH');
    expect(found).toContain('AUDIT_POOL_EXCEEDED');
  });

  it('AUDIT_PRECHECK_MISMATCH: history says the pre-check refused a payload that passes', async () => {
    const alice = await workflowOf(0, (await submission(0, 'alice')).submissionId);
    const found = await codes((source) =>
      tamperedHistories(
        source,
        alice,
        alterActivityResult(codec(), 'precheckGradient', {
          ok: false,
          code: 'GRADIENT_SHAPE_MISMATCH',
          message: "the update's tensor shapes are not the model's",
        }),
      ),
    );
    expect(found).toContain('AUDIT_PRECHECK_MISMATCH');
  });

  it('AUDIT_REPLAY_FAILED: a run history that schedules an activity the workflow code does not', async () => {
    const report = await audit((source) =>
      tamperedHistories(
        source,
        trainingRunWorkflowId(runId),
        renameActivity('createInitialCheckpoint', 'createCheckpointElsewhere'),
      ),
    );
    expect(report.findings).toEqual([
      expect.objectContaining({
        code: 'AUDIT_REPLAY_FAILED',
        problem: expect.stringContaining(trainingRunWorkflowId(runId)),
      }),
    ]);
  });

  it('AUDIT_RECORD_MISMATCH: a decided submission row that says other than history', async () => {
    const mallory = await submission(0, 'mallory');
    await restoring(
      'AUDIT_RECORD_MISMATCH',
      () =>
        harness.db.prisma.trainingSubmission.update({
          where: { submissionId: mallory.submissionId },
          data: { accepted: true, reason: 'improves-loss' },
        }),
      () =>
        harness.db.prisma.trainingSubmission.update({
          where: { submissionId: mallory.submissionId },
          data: { accepted: mallory.accepted, reason: mallory.reason },
        }),
    );
  });

  const escrowOf = async (round: number, peerId: string) => {
    const { submissionId } = await submission(round, peerId);
    return { ...(await outcomeOf(round, submissionId)), submissionId };
  };

  it('AUDIT_LND_MISMATCH and AUDIT_HISTORY_MISMATCH: an escrow history that revealed one tranche fewer than LND paid', async () => {
    const alice = await escrowOf(0, 'alice');
    expect(alice.revealed).toBeGreaterThan(0);
    const found = await codes((source) =>
      tamperedHistories(
        source,
        escrowWorkflowId(alice.escrowId),
        alterResult<RewardEscrowResult>(codec(), (result) => ({ ...result, revealed: result.revealed - 1 })),
      ),
    );
    expect(found).toContain('AUDIT_LND_MISMATCH');
    expect(found).toContain('AUDIT_HISTORY_MISMATCH');
  });

  it('AUDIT_LND_MISSING: an escrow history that locked a tranche LND never paid', async () => {
    const bob = await escrowOf(1, 'bob');
    const found = await codes((source) =>
      tamperedHistories(
        source,
        escrowWorkflowId(bob.escrowId),
        alterActivityInput<{ paymentHash: string }>(codec(), 'lockEscrowTranche', (input) => ({
          ...input,
          paymentHash: 'ab'.repeat(32),
        })),
      ),
    );
    expect(found).toContain('AUDIT_LND_MISSING');
  });

  it('AUDIT_STAKE_MISMATCH: a submission history that settled a stake the rule refunds', async () => {
    const row = await submission(1, 'mallory');
    const stakeRow = await harness.db.prisma.ledgerEntry.findFirstOrThrow({
      where: { paymentHash: row.stakeHash!, direction: 'INCOMING' },
    });
    expect(row.stakeOutcome).toBe('refund');
    const found = await codes((source) =>
      tamperedHistories(
        source,
        stakeRow.workflowId,
        alterResult<PaidSubmissionResult>(codec(), (result) => ({
          ...result,
          stake: result.stake && { ...result.stake, outcome: 'forfeited' },
        })),
      ),
    );
    expect(found).toEqual(new Set(['AUDIT_STAKE_MISMATCH']));
  });

  it('AUDIT_HISTORY_MISSING: a submission the round names whose history is gone', async () => {
    const { submissionId } = await submission(0, 'bob');
    const gone = await workflowOf(0, submissionId);
    const report = await audit((source) => withoutHistory(source, gone));
    expect(report.findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'AUDIT_HISTORY_MISSING', submissionId })]),
    );
  });

  it('AUDIT_LND_UNKNOWN_PAYMENT and _INVOICE: the coordinator paid and was paid in the window for nothing the ledger knows', async () => {
    const rows = await harness.db.prisma.ledgerEntry.findMany({
      where: { paymentHash: { in: [foreign.payment, foreign.invoice] } },
    });
    expect(rows).toHaveLength(2);
    await harness.db.prisma.ledgerEntry.deleteMany({ where: { id: { in: rows.map((row) => row.id) } } });
    try {
      expect(await codes()).toEqual(new Set(['AUDIT_LND_UNKNOWN_PAYMENT', 'AUDIT_LND_UNKNOWN_INVOICE']));
    } finally {
      await harness.db.prisma.ledgerEntry.createMany({ data: rows });
    }
    expect((await audit()).findings).toEqual([]);
  });
});
