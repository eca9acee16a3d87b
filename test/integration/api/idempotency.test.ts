/** @jest-environment ./test/unit/model/onnx-environment.js */
import { randomUUID } from 'node:crypto';
import { getWalletInfo } from 'ln-service';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { apiRoutes } from '../../../server/coordinator/routes';
import type { Answer } from '../../../clients/l402-client';
import { call, jsonRequest, payStakeAndRetry } from '../../../clients/l402-client';
import { checkpointReader, nextOpenRound } from '../../../clients/peer/client';
import {
  roundStatusQuery,
  trainingRoundWorkflowId,
  trainingRunWorkflowId,
} from '../../../workflows/training-definitions';
import type { TestApi } from '../../support/api';
import { startTestApi } from '../../support/api';
import type { ControlHarness } from '../../support/harness';
import { testLnd } from '../../support/lightning';
import { roundSettings, startTrainingApi } from '../../support/training';
import { eventually } from '../../support/workflows';

const STAKE_SATS = 100;
const settings = roundSettings(['alice'], STAKE_SATS);
const runId = `run-${randomUUID()}`;
const alice = testLnd('peer');
let harness: ControlHarness;
let api: TestApi;

beforeAll(async () => {
  ({ harness, api } = await startTrainingApi({ runId, settings }, { rounds: 1, seed: 11 }));
});

afterAll(async () => {
  await api?.close();
  await harness?.stop();
});

type Accepted = { submissionId: string; escrowId: string; stake: string | null };

describe('PUT /gradient honours Idempotency-Key against the real stack', () => {
  const key = randomUUID();
  let body: Record<string, unknown>;
  let first: Answer<Accepted>;
  const put = (sent: unknown, authorization?: string, withKey: string = key) =>
    call<Accepted>(`${api.url}/gradient`, jsonRequest('PUT', sent, authorization, withKey));
  const stakeRows = () => harness.db.prisma.ledgerEntry.count({ where: { purpose: 'STAKE' } });
  const roundSubmissions = async () =>
    (await harness.client.workflow.getHandle(trainingRoundWorkflowId(runId, 0)).query(roundStatusQuery))
      .submissions;

  it('takes the first request with a key: 402 for the stake, then the paid repeat under the same key', async () => {
    const checkpoint = await nextOpenRound(checkpointReader(api.url, alice), -1, 200);
    body = {
      peerId: 'alice',
      round: checkpoint.round,
      checkpointHash: checkpoint.checkpointHash,
      payload: Buffer.from('not a SparseLoCo update').toString('base64'),
      nodePubkey: (await getWalletInfo({ lnd: alice })).public_key,
    };
    const challenged = await put(body);
    expect(challenged.status).toBe(402);
    // A 402 is not a first answer: the key stays free for the paid repeat.
    first = await payStakeAndRetry(
      alice,
      challenged.challenge!,
      (authorization) => put(body, authorization),
      200,
    );
    expect(first.status).toBe(202);
    expect(await stakeRows()).toBe(1);
  });

  it('answers a repeat with the first answer: no second submission, stake or invoice', async () => {
    const invoicesBefore = await harness.db.prisma.ledgerEntry.count();
    const repeats = await Promise.all([put(body), put(body, 'L402 whatever'), put(body)]);
    for (const repeat of repeats) {
      expect(repeat.status).toBe(202);
      expect(repeat.body).toEqual(first.body);
    }
    expect(await roundSubmissions()).toHaveLength(1);
    expect(await harness.db.prisma.ledgerEntry.count()).toBe(invoicesBefore);
    expect(await stakeRows()).toBe(1);
  });

  it('refuses the same key with another body, with a stable code and nothing written', async () => {
    const invoicesBefore = await harness.db.prisma.ledgerEntry.count();
    const other = await put({ ...body, payload: Buffer.from('another body').toString('base64') });
    expect([other.status, other.body.error?.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(other.challenge).toBeNull();
    expect(await harness.db.prisma.ledgerEntry.count()).toBe(invoicesBefore);
  });

  it('under a fresh key the round itself refuses the body (so the replays above never reached it)', async () => {
    const fresh = await put(body, undefined, randomUUID());
    expect(fresh.status).toBe(409);
    // Its only peer submitted, so the round may already have closed.
    expect(['ALREADY_SUBMITTED', 'ROUND_CLOSED']).toContain(fresh.body.error?.code);
    expect(await roundSubmissions()).toHaveLength(1);
  });

  it('refuses a key that is not one', async () => {
    const bad = await put(body, undefined, 'short');
    expect([bad.status, bad.body.error?.code]).toEqual([400, 'INVALID_IDEMPOTENCY_KEY']);
  });

  it('keeps the first answer in the database, not in the API process', async () => {
    const rows = await harness.db.prisma.idempotentRequest.findMany({ where: { key } });
    expect(rows.map((row) => [row.scope, row.status, row.response])).toEqual([
      ['PUT /gradient', 202, first.body],
    ]);
    const restarted = await startTestApi(
      apiRoutes({
        temporal: harness.client,
        prisma: harness.db.prisma,
        lightning: lnServiceClient(testLnd('coordinator')),
        training: { runId, settings },
      }),
    );
    try {
      const again = await call<Accepted>(
        `${restarted.url}/gradient`,
        jsonRequest('PUT', body, undefined, key),
      );
      expect([again.status, again.body]).toEqual([202, first.body]);
    } finally {
      await restarted.close();
    }
  });

  it('the run ends (the malformed update forfeits its stake; nothing is left running)', async () => {
    const result = await harness.client.workflow.getHandle(trainingRunWorkflowId(runId)).result();
    expect(result).toBeDefined();
    await eventually('the stake to end', async () => {
      const row = await harness.db.prisma.ledgerEntry.findFirst({ where: { purpose: 'STAKE' } });
      return row && (row.state === 'SETTLED' || row.state === 'CANCELED') ? row.state : null;
    });
  });
});
