/** @jest-environment ./test/unit/model/onnx-environment.js */
import { randomUUID } from 'node:crypto';
import { decodePaymentRequest, getWalletInfo } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { reconcileLedger } from '../../../activities/reconcile';
import { auditTrainingRun } from '../../../server/audit/training-audit';
import { lazyTrainingScorer } from '../../../server/coordinator/training-scorer';
import { ledgerRepository } from '../../../db/repos/ledger';
import { trainingRepository } from '../../../db/repos/training';
import { call, jsonRequest, payStakeAndRetry } from '../../../clients/l402-client';
import { checkpointReader, nextOpenRound, playRound } from '../../../clients/peer/client';
import type { CheckpointRead } from '../../../clients/peer/client';
import { referenceTrainer } from '../../../clients/peer/reference-trainer';
import { createEncryptionCodec } from '../../../temporal-config/codec';
import { trainingRunWorkflowId } from '../../../workflows/training-definitions';
import type { RunStatus } from '../../../workflows/training-definitions';
import type { TestApi } from '../../support/api';
import type { ControlHarness } from '../../support/harness';
import { stakePayment, testLnd } from '../../support/lightning';
import { roundSettings, startTrainingApi } from '../../support/training';
import { eventually } from '../../support/workflows';

const STAKE_SATS = 100;
const CHECKPOINT_SATS = 7;
const settings = roundSettings(['alice', 'bob', 'carol'], STAKE_SATS);
const runId = `run-${randomUUID()}`;
const alice = { peerId: 'alice', lnd: testLnd('peer') };
const bob = { peerId: 'bob', lnd: testLnd('peer2') };
const carol = { peerId: 'carol', lnd: testLnd('peer3') };
const coordinator = lnServiceClient(testLnd('coordinator'));
let harness: ControlHarness;
let api: TestApi;

beforeAll(async () => {
  ({ harness, api } = await startTrainingApi(
    { runId, settings, checkpointAccess: { priceSats: CHECKPOINT_SATS, tokenSeconds: 3_600 } },
    { rounds: 1, seed: 5 },
  ));
});

afterAll(async () => {
  await api?.close();
  await harness?.stop();
});

const nodeKey = async (lnd: AuthenticatedLnd) => (await getWalletInfo({ lnd })).public_key;
const putGradient = (body: unknown, authorization?: string) =>
  call<{ submissionId: string; stake: string | null }>(
    `${api.url}/gradient`,
    jsonRequest('PUT', body, authorization),
  );
/** Everything a refused request could have written: stake invoices and ledger rows, decided submissions. */
const written = async () => ({
  ledgerRows: await harness.db.prisma.ledgerEntry.count(),
  submissions: await harness.db.prisma.trainingSubmission.count(),
});
const stakeEnded = (hash: string) =>
  eventually(`stake ${hash} to end`, async () => {
    const { state } = await coordinator.getInvoice(hash);
    return state === 'SETTLED' || state === 'CANCELED' ? state : null;
  });

const stakeHashOf = async (invoice: string) =>
  (await decodePaymentRequest({ lnd: carol.lnd, request: invoice })).id;

describe('a training run that prices its checkpoint and asks each submission for a stake', () => {
  let aliceReads: CheckpointRead;
  let checkpointHash: string;
  let validBody: Record<string, unknown>;

  it('sells the checkpoint as an L402 read: the peer pays once, then reuses its token', async () => {
    const bare = await call(`${api.url}/checkpoint`, { headers: { authorization: 'L402 bogus:00' } });
    expect(bare.status).toBe(401);

    aliceReads = checkpointReader(api.url, alice.lnd);
    const checkpoint = await nextOpenRound(aliceReads, -1, 200);
    expect(await aliceReads()).toEqual(checkpoint);
    expect(checkpoint.round).toBe(0);
    checkpointHash = checkpoint.checkpointHash;
    // One access fee for every read: the first answered 402, the reader paid it and kept the token.
    const fees = await harness.db.prisma.ledgerEntry.findMany({ where: { purpose: 'ACCESS_FEE' } });
    expect(fees.map((fee) => [fee.state, Number(fee.amountSats)])).toEqual([['SETTLED', CHECKPOINT_SATS]]);

    validBody = {
      peerId: 'alice',
      round: 0,
      checkpointHash,
      payload: Buffer.from('not yet').toString('base64'),
      nodePubkey: await nodeKey(alice.lnd),
    };
  });

  it.each([
    [
      'a payload over what the schema takes',
      (valid: object) => ({ ...valid, payload: 'A'.repeat(1_000_004) }),
      400,
      'INVALID_INPUT',
    ],
    ['a field missing', (valid: object) => ({ ...valid, peerId: undefined }), 400, 'INVALID_INPUT'],
    ['an unknown field', (valid: object) => ({ ...valid, extra: 1 }), 400, 'INVALID_INPUT'],
    [
      'a node key that is not one',
      (valid: object) => ({ ...valid, nodePubkey: '04ab' }),
      400,
      'INVALID_INPUT',
    ],
    ['a round that has not opened', (valid: object) => ({ ...valid, round: 7 }), 404, 'NOT_FOUND'],
    [
      'a stale checkpoint',
      (valid: object) => ({ ...valid, checkpointHash: 'ab'.repeat(32) }),
      409,
      'STALE_CHECKPOINT',
    ],
    ['a peer the run does not know', (valid: object) => ({ ...valid, peerId: 'zed' }), 409, 'UNKNOWN_PEER'],
    [
      'a payload over the size limit',
      (valid: object) => ({ ...valid, payload: 'A'.repeat(300_000) }),
      409,
      'PAYLOAD_TOO_LARGE',
    ],
  ])('refuses %s before asking for a stake, writing nothing', async (_case, body, status, code) => {
    const before = await written();
    const answer = await putGradient(body(validBody));
    expect([answer.status, answer.body.error?.code]).toEqual([status, code]);
    expect(answer.challenge).toBeNull();
    expect(await written()).toEqual(before);
  });

  it('refuses malformed JSON with a stable code', async () => {
    const response = await fetch(`${api.url}/gradient`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"peerId":',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('MALFORMED_JSON');
  });

  it('refunds the honest stake, forfeits the copy and the malformed payload, refuses a paid stake token on another body', async () => {
    let alicePayload: Uint8Array | null = null;
    let aliceSubmitted!: () => void;
    const aliceIn = new Promise<void>((resolve) => (aliceSubmitted = resolve));
    const honest = referenceTrainer({ shard: 0, shards: 3 });
    const alicePlay = playRound({
      apiUrl: api.url,
      ...alice,
      cltvDelta: 60,
      pollMs: 200,
      readCheckpoint: aliceReads,
      train: (weights, round) => (alicePayload = honest(weights, round)),
      onStep: (step) => step === 'submitted' && aliceSubmitted(),
    });
    await aliceIn;

    let bobSubmitted!: () => void;
    const bobIn = new Promise<void>((resolve) => (bobSubmitted = resolve));
    const bobPlay = playRound({
      apiUrl: api.url,
      ...bob,
      cltvDelta: 60,
      pollMs: 200,
      train: () => alicePayload as Uint8Array,
      onStep: (step) => step === 'submitted' && bobSubmitted(),
    });
    await bobIn;

    // Carol pays a stake, then presents its token with another body: refused before the round sees it (a stake token
    // is bound to the body it priced), nothing submitted, the token still good for its own body. Her malformed
    // update, sent with it, is taken and later forfeits the stake.
    const carolBody = {
      peerId: 'carol',
      round: 0,
      checkpointHash,
      payload: Buffer.from('definitely not a SparseLoCo update').toString('base64'),
      nodePubkey: await nodeKey(carol.lnd),
    };
    const challenged = await putGradient(carolBody);
    expect(challenged.status).toBe(402);
    // A second body of carol's, priced while the round is open and paid only after it closed (below).
    const lateBody = { ...carolBody, payload: Buffer.from('a second update').toString('base64') };
    const lateChallenge = await putGradient(lateBody);
    expect(lateChallenge.status).toBe(402);
    expect(lateChallenge.challenge!.invoice).not.toBe(challenged.challenge!.invoice);
    const stale = { ...carolBody, checkpointHash: 'cd'.repeat(32) };
    const rebodied = await payStakeAndRetry(
      carol.lnd,
      challenged.challenge!,
      (auth) => putGradient(stale, auth),
      200,
    );
    expect([rebodied.status, rebodied.body.error?.code]).toEqual([403, 'L402_WRONG_BODY']);
    const carolAnswer = await payStakeAndRetry(
      carol.lnd,
      challenged.challenge!,
      (auth) => putGradient(carolBody, auth),
      200,
    );
    expect(carolAnswer.status).toBe(202);
    expect(carolAnswer.body.stake).toBe(await stakeHashOf(challenged.challenge!.invoice));

    const [aliceResult, bobResult] = await Promise.all([alicePlay, bobPlay]);
    const status = (await harness.client.workflow
      .getHandle(trainingRunWorkflowId(runId))
      .result()) as RunStatus;
    // The round has closed: the stake paid now for the late body is refused by the round and refunded at once,
    // not held until its own deadline.
    const late = await payStakeAndRetry(
      carol.lnd,
      lateChallenge.challenge!,
      (auth) => putGradient(lateBody, auth),
      200,
    );
    expect(late.status).toBe(409);
    expect(['ROUND_CLOSED', 'ALREADY_SUBMITTED']).toContain(late.body.error?.code);
    const lateStake = await stakeHashOf(lateChallenge.challenge!.invoice);
    expect(await stakeEnded(lateStake)).toBe('CANCELED');
    await eventually(
      'the late stake back with carol',
      async () => (await stakePayment(carol.lnd, lateStake)) === 'returned',
    );
    const outcomes = Object.fromEntries(status.history[0]!.outcomes.map((o) => [o.peerId, o]));
    expect(outcomes.alice).toMatchObject({ accepted: true, reason: 'improves-loss', stake: 'refund' });
    expect(outcomes.bob).toMatchObject({ accepted: false, reason: 'duplicate-payload', stake: 'forfeit' });
    expect(outcomes.carol).toMatchObject({ accepted: false, paidSats: 0, stake: 'forfeit' });
    expect(aliceResult.earnedSats).toBe(outcomes.alice!.paidSats);
    expect(bobResult.earnedSats).toBe(0);

    const stakes = {
      alice: aliceResult.stakeHash!,
      bob: bobResult.stakeHash!,
      carol: carolAnswer.body.stake!,
    };
    expect(await stakeEnded(stakes.alice)).toBe('CANCELED');
    expect(await stakeEnded(stakes.bob)).toBe('SETTLED');
    expect(await stakeEnded(stakes.carol)).toBe('SETTLED');
    expect((await coordinator.getInvoice(stakes.bob)).receivedSats).toBe(STAKE_SATS);
    expect(await stakePayment(alice.lnd, stakes.alice)).toBe('returned');
    expect(await stakePayment(bob.lnd, stakes.bob)).toBe('paid');
    expect(await stakePayment(carol.lnd, stakes.carol)).toBe('paid');

    const rows = await trainingRepository(harness.db.prisma).submissions(runId, 0);
    expect(rows.map((row) => [row.peerId, row.stakeHash, row.stakeOutcome]).sort()).toEqual([
      ['alice', stakes.alice, 'refund'],
      ['bob', stakes.bob, 'forfeit'],
      ['carol', stakes.carol, 'forfeit'],
    ]);
    // Each peer bought the checkpoint once, however often it read it.
    const fees = await harness.db.prisma.ledgerEntry.findMany({ where: { purpose: 'ACCESS_FEE' } });
    expect(fees.map((fee) => fee.state)).toEqual(['SETTLED', 'SETTLED']);
    const ledger = ledgerRepository(harness.db.prisma);
    expect(await ledger.listNonFinal()).toEqual([]);
    expect(await reconcileLedger({ ledger, lightning: coordinator }, { repair: false })).toEqual([]);
  });

  it('audit: passes on the run, then names the submission whose stake row was altered', async () => {
    const deps = {
      client: harness.client,
      codec: createEncryptionCodec(harness.secrets.codecKeys),
      prisma: harness.db.prisma,
      lightning: coordinator,
      scorer: lazyTrainingScorer(),
    };
    expect((await auditTrainingRun(deps, runId)).findings).toEqual([]);

    const [aliceRow] = (await trainingRepository(harness.db.prisma).submissions(runId, 0)).filter(
      (row) => row.peerId === 'alice',
    );
    await harness.db.prisma.ledgerEntry.updateMany({
      where: { paymentHash: aliceRow!.stakeHash!, direction: 'INCOMING' },
      data: { state: 'SETTLED' },
    });
    const findings = (await auditTrainingRun(deps, runId)).findings;
    expect(findings).toEqual([
      expect.objectContaining({
        submissionId: aliceRow!.submissionId,
        problem: expect.stringMatching(/stake/),
      }),
    ]);
  });
});
