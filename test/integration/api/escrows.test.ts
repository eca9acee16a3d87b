import { randomUUID } from 'node:crypto';
import { createHodlInvoice, getWalletInfo } from 'ln-service';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { apiRoutes } from '../../../server/coordinator/routes';
import type { TestApi } from '../../support/api';
import { startTestApi } from '../../support/api';
import { followEscrow } from '../../../clients/earner/follow-escrow';
import { escrowStatusQuery, releaseEscrowSignal } from '../../../workflows/definitions';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import { channelBalance, testLnd } from '../../support/lightning';
import { eventually } from '../../support/workflows';
import { paymentHashesOf, startTestEscrow } from '../../support/escrow';

const earnerLnd = testLnd('peer2');
/** Anyone else with a node: it reads the escrow's public hashes and invoices them on its own node. */
const strangerLnd = testLnd('peer3');
let harness: ControlHarness;
let api: TestApi;
let apiUrl: string;

beforeAll(async () => {
  harness = await startControlHarness();
  api = await startTestApi(
    apiRoutes({
      temporal: harness.client,
      prisma: harness.db.prisma,
      lightning: lnServiceClient(testLnd('coordinator')),
    }),
  );
  apiUrl = api.url;
});

afterAll(async () => {
  await api?.close();
  await harness?.stop();
});

async function post(path: string, body: string) {
  const response = await fetch(`${apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return {
    status: response.status,
    code: ((await response.json()) as { error?: { code: string } }).error?.code,
  };
}

/** A reward escrow for the earner's node, started as its owner would, with the earner's balance before it. */
async function startEscrow(trancheSats: number[]) {
  const escrowId = randomUUID();
  const before = await channelBalance(earnerLnd);
  const handle = await startTestEscrow(harness.client, {
    escrowId,
    earnerPublicKey: (await getWalletInfo({ lnd: earnerLnd })).public_key,
    trancheSats,
  });
  return { escrowId, handle, before };
}

/** The earner follows its escrow over the API alone; once locked, the owner reveals `reveal` tranches. */
async function earnerPaid(
  escrowId: string,
  handle: Awaited<ReturnType<typeof startEscrow>>['handle'],
  reveal: number,
) {
  const followed = followEscrow({ apiUrl, escrowId, lnd: earnerLnd, cltvDelta: 60, pollMs: 100 });
  await eventually(
    'the escrow locked',
    async () => (await handle.query(escrowStatusQuery)).phase === 'locked',
  );
  await handle.signal(releaseEscrowSignal, { reveal });
  return followed;
}

describe('/escrows over HTTP', () => {
  it('an earner follows its escrow through the API alone and is paid the revealed tranches', async () => {
    const { escrowId, handle, before } = await startEscrow([700, 700, 700]);
    expect(await earnerPaid(escrowId, handle, 2)).toEqual({
      revealed: 2,
      phase: 'released',
      earnedSats: 1_400,
    });
    expect(await handle.result()).toMatchObject({ paidSats: 1_400, returnedSats: 700 });
    await eventually('the balance', async () => (await channelBalance(earnerLnd)) === before + 1_400);
  });

  it("refuses invoices another node signed, so only the escrow's earner can hand them in", async () => {
    const { escrowId, handle, before } = await startEscrow([500, 500]);
    const paymentHashes = await paymentHashesOf(handle);
    const forged = await Promise.all(
      paymentHashes.map(
        async (id) =>
          (await createHodlInvoice({ lnd: strangerLnd, id, tokens: 500, cltv_delta: 60 })).request,
      ),
    );
    const first = await post(`/escrows/${escrowId}/invoices`, JSON.stringify({ invoices: forged }));
    expect(first).toEqual({ status: 403, code: 'ESCROW_INVOICES_NOT_THE_EARNERS' });
    expect(await handle.query(escrowStatusQuery)).toMatchObject({
      phase: 'awaiting-invoices',
      problem: null,
    });

    expect(await earnerPaid(escrowId, handle, 2)).toEqual({
      revealed: 2,
      phase: 'released',
      earnedSats: 1_000,
    });
    await eventually('the balance', async () => (await channelBalance(earnerLnd)) === before + 1_000);
    const late = await post(`/escrows/${escrowId}/invoices`, JSON.stringify({ invoices: forged }));
    expect(late).toEqual({ status: 409, code: 'ESCROW_INVOICES_CLOSED' });
  });

  it.each([
    [
      'a malformed escrow id',
      '/escrows/not-a-uuid/invoices',
      '{"invoices":["lnbcrt1"]}',
      400,
      'INVALID_INPUT',
    ],
    ['malformed JSON', `/escrows/${randomUUID()}/invoices`, '{"invoices":', 400, 'MALFORMED_JSON'],
    [
      'an unknown field',
      `/escrows/${randomUUID()}/invoices`,
      '{"invoices":["lnbcrt1"],"extra":1}',
      400,
      'INVALID_INPUT',
    ],
    [
      'something that is not an invoice',
      `/escrows/${randomUUID()}/invoices`,
      '{"invoices":["hello"]}',
      400,
      'INVALID_INPUT',
    ],
    [
      'an escrow that does not exist',
      `/escrows/${randomUUID()}/invoices`,
      '{"invoices":["lnbcrt1"]}',
      404,
      'NOT_FOUND',
    ],
    [
      'a body over the size limit',
      `/escrows/${randomUUID()}/invoices`,
      JSON.stringify({ invoices: ['ln'.padEnd(70_000, 'a')] }),
      413,
      'BODY_TOO_LARGE',
    ],
  ])('refuses %s with a stable code', async (_case, path, body, status, code) => {
    expect(await post(path, body)).toEqual({ status, code });
  });
});
