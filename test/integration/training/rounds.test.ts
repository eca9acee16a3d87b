/** @jest-environment ./test/unit/model/onnx-environment.js */
import { randomUUID } from 'node:crypto';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { reconcileLedger } from '../../../activities/reconcile';
import { apiRoutes } from '../../../server/coordinator/routes';
import type { TestApi } from '../../support/api';
import { startTestApi } from '../../support/api';
import { lazyTrainingScorer } from '../../../server/coordinator/training-scorer';
import { ledgerRepository } from '../../../db/repos/ledger';
import { trainingRepository } from '../../../db/repos/training';
import { playRound } from '../../../clients/peer/client';
import type { PeerRoundResult } from '../../../clients/peer/client';
import { TASK_QUEUES } from '../../../temporal-config';
import { createEncryptionCodec } from '../../../temporal-config/codec';
import { auditTrainingRun } from '../../../server/audit/training-audit';
import { escrowWorkflowId } from '../../../workflows/definitions';
import { trainingRun } from '../../../workflows';
import { trainingRunWorkflowId } from '../../../workflows/training-definitions';
import type { RunStatus } from '../../../workflows/training-definitions';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import { channelBalance, testLnd } from '../../support/lightning';
import { realTrainingValidation, roundSettings, threePeers } from '../../support/training';

const ROUNDS = 3;
/** Short of what two honest peers earn at the cap (2 × 3 000 a round): every round's pool binds. */
const BUDGET_SATS = 12_000;
const peers = threePeers();
const settings = roundSettings(peers.map((peer) => peer.peerId));
const runId = `run-${randomUUID()}`;
let harness: ControlHarness;
const auditScorer = lazyTrainingScorer();
const auditDeps = () => ({
  client: harness.client,
  codec: createEncryptionCodec(harness.secrets.codecKeys),
  prisma: harness.db.prisma,
  lightning: lnServiceClient(testLnd('coordinator')),
  scorer: auditScorer,
});
let api: TestApi;
let apiUrl: string;

beforeAll(async () => {
  harness = await startControlHarness({
    validationActivities: realTrainingValidation,
  });
  const lightning = lnServiceClient(testLnd('coordinator'));
  api = await startTestApi(
    apiRoutes({
      temporal: harness.client,
      prisma: harness.db.prisma,
      lightning,
      training: { runId, settings },
    }),
  );
  apiUrl = api.url;
});

afterAll(async () => {
  await api?.close();
  await harness?.stop();
});

describe(`a training run of ${ROUNDS} rounds with 3 peers over HTTP and Lightning`, () => {
  it('pays honest peers exactly their revealed tranches within each round pool, rejects the poisoner, lowers the held-out loss', async () => {
    const before = await Promise.all(peers.map((peer) => channelBalance(peer.lnd)));
    const run = await harness.client.workflow.start(trainingRun, {
      taskQueue: TASK_QUEUES.control,
      workflowId: trainingRunWorkflowId(runId),
      args: [{ runId, rounds: ROUNDS, seed: 11, settings, budgetSats: BUDGET_SATS }],
    });

    const played: PeerRoundResult[][] = await Promise.all(
      peers.map(async (peer) => {
        const results: PeerRoundResult[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          results.push(await playRound({ apiUrl, ...peer, cltvDelta: 60, pollMs: 200 }, round - 1));
        }
        return results;
      }),
    );
    const status = await run.result();

    expect(status.state).toBe('finished');
    const verdicts = status.history.map((round) =>
      round.outcomes.map((o) => `${o.peerId}:${o.reason}`).sort(),
    );
    expect(verdicts).toEqual(
      Array(ROUNDS).fill(['alice:improves-loss', 'bob:improves-loss', 'mallory:no-improvement']),
    );
    expect(status.history.map((round) => [round.submitted, round.accepted])).toEqual([
      [3, 2],
      [3, 2],
      [3, 2],
    ]);
    const losses = status.history.map((round) => round.heldOutLoss);
    expect(losses[1]!).toBeLessThan(losses[0]!);
    expect(losses[2]!).toBeLessThan(losses[1]!);
    for (const round of status.history) {
      const mallory = round.outcomes.find((outcome) => outcome.peerId === 'mallory');
      expect(mallory).toMatchObject({ accepted: false, revealed: 0, paidSats: 0 });
    }

    const after = await Promise.all(peers.map((peer) => channelBalance(peer.lnd)));
    const earned = played.map((results) => results.reduce((total, result) => total + result.earnedSats, 0));
    const paid = peers.map((peer) =>
      status.history
        .flatMap((round) => round.outcomes)
        .filter((o) => o.peerId === peer.peerId)
        .reduce((t, o) => t + o.paidSats, 0),
    );
    expect(earned).toEqual(paid);
    expect(after.map((balance, i) => balance - before[i]!)).toEqual(paid);
    expect(paid[0]).toBeGreaterThan(0);
    expect(paid[1]).toBeGreaterThan(0);
    expect(paid[2]).toBe(0);

    // The budget is spread over the rounds, and no round pays more than its pool.
    const roundPaid = status.history.map((round) =>
      round.outcomes.reduce((total, o) => total + o.paidSats, 0),
    );
    status.history.forEach((round, i) => {
      const spentBefore = roundPaid.slice(0, i).reduce((a, b) => a + b, 0);
      expect(round.poolSats).toBe(Math.floor((BUDGET_SATS - spentBefore) / (ROUNDS - i)));
      expect(roundPaid[i]).toBeLessThanOrEqual(round.poolSats);
    });
    expect(status.history[0]!.poolSats).toBe(4_000);
    expect(status.spentSats).toBe(paid.reduce((a, b) => a + b, 0));
    expect(status.spentSats).toBeLessThanOrEqual(BUDGET_SATS);

    // I4: every escrow row is final and the ledger's paid-out total is what the peers gained.
    const ledger = ledgerRepository(harness.db.prisma);
    expect(await ledger.listNonFinal()).toEqual([]);
    const settled = await harness.db.prisma.ledgerEntry.aggregate({
      where: { direction: 'OUTGOING', purpose: 'REWARD_ESCROW', state: 'SETTLED' },
      _sum: { amountSats: true },
    });
    expect(Number(settled._sum.amountSats)).toBe(paid.reduce((a, b) => a + b, 0));
    expect(
      await reconcileLedger(
        { ledger, lightning: lnServiceClient(testLnd('coordinator')) },
        { repair: false },
      ),
    ).toEqual([]);
    const decided = await trainingRepository(harness.db.prisma).submissions(runId, 0);
    expect(decided.map((row) => [row.peerId, row.accepted]).sort()).toEqual([
      ['alice', true],
      ['bob', true],
      ['mallory', false],
    ]);
  });

  it('audit: replays every history, re-scores every submission bit for bit, and matches payouts to ledger and LND', async () => {
    const report = await auditTrainingRun(auditDeps(), runId);
    expect(report.findings).toEqual([]);
    expect(report.rounds.map((round) => [round.round, round.submissions, round.accepted])).toEqual([
      [0, 3, 2],
      [1, 3, 2],
      [2, 3, 2],
    ]);
    expect(report.replayed).toBeGreaterThanOrEqual(1 + ROUNDS * 4);
  });

  it('audit: names the submission whose stored payload or ledger row was altered', async () => {
    const [bob] = (await trainingRepository(harness.db.prisma).submissions(runId, 1)).filter(
      (row) => row.peerId === 'bob',
    );
    const stored = await harness.db.prisma.blob.findUniqueOrThrow({ where: { sha256: bob!.payloadHash } });
    const tampered = Buffer.from(stored.bytes);
    tampered[tampered.length - 5] = tampered[tampered.length - 5]! ^ 0xff;
    await harness.db.prisma.blob.update({
      where: { sha256: bob!.payloadHash },
      data: { bytes: new Uint8Array(tampered) },
    });
    const [aliceRow] = (await trainingRepository(harness.db.prisma).submissions(runId, 2)).filter(
      (row) => row.peerId === 'alice',
    );
    const run = (await harness.client.workflow.getHandle(trainingRunWorkflowId(runId)).result()) as RunStatus;
    const aliceEscrow = run.history[2]!.outcomes.find(
      (outcome) => outcome.submissionId === aliceRow!.submissionId,
    )!.escrowId;
    const ledgerRow = await harness.db.prisma.ledgerEntry.findFirstOrThrow({
      where: { workflowId: escrowWorkflowId(aliceEscrow), state: 'SETTLED' },
    });
    await harness.db.prisma.ledgerEntry.update({
      where: { id: ledgerRow.id },
      data: { amountSats: ledgerRow.amountSats + 1n },
    });

    const report = await auditTrainingRun(auditDeps(), runId);

    expect(report.findings.map((finding) => finding.submissionId)).toEqual(
      expect.arrayContaining([bob!.submissionId, aliceRow!.submissionId]),
    );
    expect(report.findings.find((finding) => finding.submissionId === bob!.submissionId)?.problem).toMatch(
      /payload/,
    );
    expect(
      report.findings.find((finding) => finding.submissionId === aliceRow!.submissionId)?.problem,
    ).toMatch(/ledger/);
  });
});
