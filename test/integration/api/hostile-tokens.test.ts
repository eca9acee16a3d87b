import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowUpdateFailedError } from '@temporalio/client';
import { importMacaroon } from 'macaroon';
import type { Macaroon } from 'macaroon';
import { decodePaymentRequest, getInvoices, getWalletInfo, payViaPaymentRequest } from 'ln-service';
import { exportMacaroonBinary } from '../../../api/l402/binary';
import { encodeMacaroon, mintToken } from '../../../api/l402/token';
import type { GateLimits, RateLimit } from '../../../api/rate-limit';
import { DEFAULT_ROUTE_LIMITS } from '../../../api/rate-limit';
import { enterSubmission } from '../../../api/submissions';
import { prismaRootKeyStore } from '../../../db/repos/l402';
import { ledgerRepository } from '../../../db/repos/ledger';
import { bountyWorkflowId } from '../../../workflows/definitions';
import { testLnd } from '../../support/lightning';
import { listWorkflows } from '../../support/temporal';
import { eventually } from '../../support/workflows';
import type { BountyTestApi } from '../bounties/support';
import { parseChallenge, request, startBountyApi } from '../bounties/support';

// Hostile participants, tokens and floods (issue 13, attacks 4 and 7), against the coordinator's own routes over a
// real Temporal dev server and regtest LND.

const improvement = readFileSync(
  join(__dirname, '../../../bounties/example-sort/samples/improvement.diff'),
  'utf8',
);
const coordinator = testLnd('coordinator');
const buyer = testLnd('peer');
const sponsor = testLnd('sponsor');
/** Unpaid challenges expire within the file, so the test sees every workflow they started end. */
const CHALLENGE_EXPIRY_SECONDS = 45;
const limits = (challengesPerClient: RateLimit): GateLimits => ({
  challengesPerClient,
  usesPerToken: { burst: 1_000, perMinute: 1_000 },
  reuseChallengeSeconds: 300,
  challengeExpirySeconds: CHALLENGE_EXPIRY_SECONDS,
});
const BASELINE_BURST = 6;
const SUBMIT_BURST = 4;
const rateLimits = {
  ...DEFAULT_ROUTE_LIMITS,
  'bounty:baseline': limits({ burst: BASELINE_BURST, perMinute: 1 }),
  'bounty:submit': limits({ burst: SUBMIT_BURST, perMinute: 1 }),
};

let api: BountyTestApi;
/** A 1-sat baseline anyone could create, a 250,000-sat one, and an open bounty with a 50-sat stake. */
const bounty = { cheap: '', dear: '', staked: '' };
let agentPublicKey: string;
let sponsorPublicKey: string;
/** The stake held for `submission(STAKED_SCORE)` on the staked bounty, with its token. */
let held: { macaroon: string; paymentHash: string; payment: Promise<string> };
const STAKED_SCORE = 1.049294;

const submission = (claimedScore: number, agent = agentPublicKey) =>
  JSON.stringify({ diff: improvement, claimedScore, agentPublicKey: agent });

async function createBounty(terms: { baselineFeeSats: number; stakeSats: number }) {
  const created = await request(api.apiUrl, '/bounties', {
    body: {
      bundle: 'example-sort',
      budgetSats: 1_100,
      payoutRule: { kind: 'linear-capped', capSats: 1_000, rateSatsPerUnit: 100, trancheCount: 2 },
      sponsorPublicKey: (await getWalletInfo({ lnd: sponsor })).public_key,
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      ...terms,
    },
  });
  expect(created.status).toBe(201);
  const id = created.body.bountyId as string;
  await eventually(
    'the bounty to be stored',
    async () => (await request(api.apiUrl, `/bounties/${id}`)).status === 200,
  );
  return { id, fundingInvoice: created.body.fundingInvoice as string };
}

const invoiceCount = async () => (await getInvoices({ lnd: coordinator, limit: 5_000 })).invoices.length;
const paidWorkflowCount = async () =>
  (await api.harness.client.workflow.count('WorkflowType = "accessFee" OR WorkflowType = "paidSubmission"'))
    .count;

beforeAll(async () => {
  api = await startBountyApi({ rateLimits });
  agentPublicKey = (await getWalletInfo({ lnd: buyer })).public_key;
  sponsorPublicKey = (await getWalletInfo({ lnd: sponsor })).public_key;
  bounty.cheap = (await createBounty({ baselineFeeSats: 1, stakeSats: 0 })).id;
  bounty.dear = (await createBounty({ baselineFeeSats: 250_000, stakeSats: 0 })).id;
  const staked = await createBounty({ baselineFeeSats: 5, stakeSats: 50 });
  bounty.staked = staked.id;
  await payViaPaymentRequest({ lnd: sponsor, request: staked.fundingInvoice });
  await eventually(
    'the staked bounty to open',
    async () => (await request(api.apiUrl, `/bounties/${bounty.staked}`)).body.phase === 'OPEN',
    60_000,
  );

  const url = `/bounties/${bounty.staked}/submissions`;
  const { macaroon, invoice } = parseChallenge(
    (await request(api.apiUrl, url, { raw: submission(STAKED_SCORE) })).challenge,
  );
  const { id: paymentHash } = await decodePaymentRequest({ lnd: coordinator, request: invoice });
  const payment = payViaPaymentRequest({ lnd: buyer, request: invoice }).then(
    () => 'forfeited',
    () => 'returned',
  );
  const ledger = ledgerRepository(api.harness.db.prisma);
  await eventually(
    'the stake to be held',
    async () => (await ledger.find(paymentHash, 'INCOMING'))?.state === 'HELD',
  );
  held = { macaroon, paymentHash, payment };
}, 180_000);

afterAll(async () => {
  await api?.stop();
});

/** Buys the cheap bounty's baseline (1 sat) with the buyer's node. */
async function buyCheapBaseline() {
  const { macaroon, invoice } = parseChallenge(
    (await request(api.apiUrl, `/bounty/${bounty.cheap}`)).challenge,
  );
  const { secret } = await payViaPaymentRequest({ lnd: buyer, request: invoice });
  return { macaroon, preimage: secret, invoice };
}

describe('a token opens only what it bought (attack 4)', () => {
  it('a 1-sat baseline token on a 250,000-sat bounty: 403 L402_WRONG_RESOURCE and no baseline served', async () => {
    const before = await invoiceCount();
    const { macaroon, preimage, invoice } = await buyCheapBaseline();
    // The same request again within the window: the same invoice, no new one on LND.
    expect(parseChallenge((await request(api.apiUrl, `/bounty/${bounty.cheap}`)).challenge).invoice).toBe(
      invoice,
    );
    expect(await invoiceCount()).toBe(before + 1);

    const own = await request(api.apiUrl, `/bounty/${bounty.cheap}`, {
      authorization: `L402 ${macaroon}:${preimage}`,
    });
    expect(own.status).toBe(200);
    expect(own.body.files).toEqual(expect.any(Object));

    for (const path of [`/bounty/${bounty.dear}`, `/bounties/${bounty.dear}/baseline`]) {
      const borrowed = await request(api.apiUrl, path, { authorization: `L402 ${macaroon}:${preimage}` });
      expect({ status: borrowed.status, code: borrowed.body.error?.code }).toEqual({
        status: 403,
        code: 'L402_WRONG_RESOURCE',
      });
      expect(borrowed.body.files).toBeUndefined();
    }
    // What the dear baseline really costs.
    const dear = parseChallenge((await request(api.apiUrl, `/bounty/${bounty.dear}`)).challenge);
    expect((await decodePaymentRequest({ lnd: coordinator, request: dear.invoice })).tokens).toBe(250_000);
  }, 60_000);

  it('a held stake token with another submission body: 403 L402_WRONG_BODY, nothing submitted, token unspent', async () => {
    const prisma = api.harness.db.prisma;
    const before = {
      submissions: await prisma.bountySubmission.count(),
      spends: await prisma.l402TokenSpend.count(),
    };
    for (const claimedScore of [1.5, STAKED_SCORE + 1e-9]) {
      const swapped = await request(api.apiUrl, `/bounty/${bounty.staked}/submit`, {
        raw: submission(claimedScore),
        authorization: `L402 ${held.macaroon}`,
      });
      expect({ status: swapped.status, code: swapped.body.error?.code }).toEqual({
        status: 403,
        code: 'L402_WRONG_BODY',
      });
    }
    expect({
      submissions: await prisma.bountySubmission.count(),
      spends: await prisma.l402TokenSpend.count(),
    }).toEqual(before);
  }, 60_000);
});

function decode(macaroon: string): Macaroon {
  return importMacaroon(new Uint8Array(Buffer.from(macaroon, 'base64')));
}

/** What any holder may do: add caveats, chained properly. */
function attenuate(macaroon: string, ...caveats: string[]): string {
  const m = decode(macaroon);
  caveats.forEach((caveat) => m.addFirstPartyCaveat(caveat));
  return encodeMacaroon(m);
}

/** What a holder cannot do without the root key: drop a caveat (the signature is kept, so it no longer chains). */
function withoutCaveat(macaroon: string, prefix: string): string {
  const m = decode(macaroon);
  const caveats = m.caveats.filter((caveat) => !Buffer.from(caveat.identifier).toString().startsWith(prefix));
  expect(caveats.length).toBe(m.caveats.length - 1);
  const stripped = {
    location: m.location,
    identifier: m.identifier,
    signature: m.signature,
    caveats,
  } as Macaroon;
  return Buffer.from(exportMacaroonBinary(stripped)).toString('base64');
}

function forged(macaroon: string): string {
  const bytes = Buffer.from(macaroon, 'base64');
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
  return bytes.toString('base64');
}

interface Attack {
  name: string;
  path: string;
  authorization: string;
  body?: string;
  /** Status and code the honest server answers; 200 only for the two controls. */
  expect: [number, string];
}

describe('the token hostile corpus', () => {
  it('refuses every forged, widened, stripped, expired, borrowed or re-bodied token, and serves only the controls', async () => {
    const token = await buyCheapBaseline();
    const { macaroon: m, preimage: p } = token;
    const { id: paidHash } = await decodePaymentRequest({ lnd: coordinator, request: token.invoice });
    const rootKeys = prismaRootKeyStore(api.harness.db.prisma);
    const nowSeconds = Math.floor(Date.now() / 1000);
    // Tokens this server could have minted for the same payment: another service, and the dear bounty at 1 sat (as
    // if its fee had been raised since).
    const otherService = await mintToken(rootKeys, paidHash, {
      service: 'training',
      tier: 0,
      capability: 'checkpoint',
      validUntil: nowSeconds + 3_600,
      resource: bounty.cheap,
      priceSats: 1,
    });
    const underpriced = await mintToken(rootKeys, paidHash, {
      service: 'bounty',
      tier: 0,
      capability: 'baseline',
      validUntil: nowSeconds + 3_600,
      resource: bounty.dear,
      priceSats: 1,
    });
    const cheap = `/bounty/${bounty.cheap}`;
    const dear = `/bounty/${bounty.dear}`;
    const submit = `/bounty/${bounty.staked}/submit`;
    const attacks: Attack[] = [
      { name: 'control: the paid token', path: cheap, authorization: `L402 ${m}:${p}`, expect: [200, 'OK'] },
      { name: 'control: LSAT scheme', path: cheap, authorization: `LSAT ${m}:${p}`, expect: [200, 'OK'] },
      {
        name: 'forged signature',
        path: cheap,
        authorization: `L402 ${forged(m)}:${p}`,
        expect: [401, 'L402_BAD_SIGNATURE'],
      },
      {
        name: 'resource caveat removed',
        path: dear,
        authorization: `L402 ${withoutCaveat(m, 'bounty_resource=')}:${p}`,
        expect: [401, 'L402_BAD_SIGNATURE'],
      },
      {
        name: 'price caveat removed',
        path: dear,
        authorization: `L402 ${withoutCaveat(m, 'bounty_price_sats=')}:${p}`,
        expect: [401, 'L402_BAD_SIGNATURE'],
      },
      {
        name: 'resource widened, on the other bounty',
        path: dear,
        authorization: `L402 ${attenuate(m, `bounty_resource=${bounty.dear}`)}:${p}`,
        expect: [403, 'L402_WRONG_RESOURCE'],
      },
      {
        name: 'resource widened',
        path: cheap,
        authorization: `L402 ${attenuate(m, `bounty_resource=${bounty.dear}`)}:${p}`,
        expect: [401, 'L402_CAVEAT_LOOSENED'],
      },
      {
        name: 'price widened',
        path: cheap,
        authorization: `L402 ${attenuate(m, 'bounty_price_sats=250000')}:${p}`,
        expect: [401, 'L402_CAVEAT_LOOSENED'],
      },
      {
        name: 'capability widened',
        path: cheap,
        authorization: `L402 ${attenuate(m, 'bounty_capabilities=baseline,submit')}:${p}`,
        expect: [401, 'L402_CAVEAT_LOOSENED'],
      },
      {
        name: 'expiry widened',
        path: cheap,
        authorization: `L402 ${attenuate(m, `bounty_valid_until=${nowSeconds + 10 * 86_400}`)}:${p}`,
        expect: [401, 'L402_CAVEAT_LOOSENED'],
      },
      {
        name: 'expired',
        path: cheap,
        authorization: `L402 ${attenuate(m, `bounty_valid_until=${nowSeconds - 1}`)}:${p}`,
        expect: [401, 'L402_EXPIRED'],
      },
      {
        name: 'wrong service',
        path: cheap,
        authorization: `L402 ${otherService.macaroon}:${p}`,
        expect: [401, 'L402_WRONG_SERVICE'],
      },
      {
        name: 'LSAT scheme, other resource',
        path: dear,
        authorization: `LSAT ${m}:${p}`,
        expect: [403, 'L402_WRONG_RESOURCE'],
      },
      {
        name: 'wrong preimage',
        path: cheap,
        authorization: `L402 ${m}:${randomBytes(32).toString('hex')}`,
        expect: [401, 'L402_WRONG_PREIMAGE'],
      },
      {
        name: 'no preimage',
        path: cheap,
        authorization: `L402 ${m}`,
        expect: [401, 'L402_PREIMAGE_MISSING'],
      },
      {
        name: 'other resource',
        path: dear,
        authorization: `L402 ${m}:${p}`,
        expect: [403, 'L402_WRONG_RESOURCE'],
      },
      {
        name: 'other price',
        path: dear,
        authorization: `L402 ${underpriced.macaroon}:${p}`,
        expect: [403, 'L402_WRONG_PRICE'],
      },
      {
        name: 'tampered body',
        path: submit,
        body: submission(STAKED_SCORE, sponsorPublicKey),
        authorization: `L402 ${held.macaroon}`,
        expect: [403, 'L402_WRONG_BODY'],
      },
      {
        name: 'baseline token as a stake',
        path: submit,
        body: submission(STAKED_SCORE),
        authorization: `L402 ${m}`,
        expect: [401, 'L402_WRONG_CAPABILITY'],
      },
      {
        name: 'stake token as a baseline token',
        path: `/bounty/${bounty.staked}`,
        authorization: `L402 ${held.macaroon}:${p}`,
        expect: [401, 'L402_WRONG_CAPABILITY'],
      },
    ];

    const prisma = api.harness.db.prisma;
    const before = {
      submissions: await prisma.bountySubmission.count(),
      spends: await prisma.l402TokenSpend.count(),
    };
    const answers = [];
    for (const attack of attacks) {
      const answer = await request(api.apiUrl, attack.path, {
        authorization: attack.authorization,
        ...(attack.body ? { raw: attack.body } : {}),
      });
      answers.push({
        name: attack.name,
        status: answer.status,
        code: answer.body.error?.code ?? 'OK',
        served: answer.body.files !== undefined || answer.body.submissionId !== undefined,
      });
    }
    const byCode: Record<string, number> = {};
    for (const answer of answers) byCode[answer.code] = (byCode[answer.code] ?? 0) + 1;
    console.log(
      `token corpus: ${answers.length} requests, ${answers.filter((a) => a.status >= 400).length} refused, ` +
        `${answers.filter((a) => a.served).length} served: ${JSON.stringify(byCode)}`,
    );
    expect(answers.map(({ name, status, code }) => [name, status, code])).toEqual(
      attacks.map(({ name, expect: [status, code] }) => [name, status, code]),
    );
    expect(answers.filter((a) => a.served).map((a) => a.name)).toEqual([
      'control: the paid token',
      'control: LSAT scheme',
    ]);
    expect({
      submissions: await prisma.bountySubmission.count(),
      spends: await prisma.l402TokenSpend.count(),
    }).toEqual(before);
  }, 60_000);
});

describe('a flood of unpaid requests (attack 7)', () => {
  it('mints at most the per-client buckets, one workflow per invoice, and answers the rest 429 with Retry-After', async () => {
    const invoicesBefore = await invoiceCount();
    const workflowsBefore = await eventually('visibility to catch up', async () => {
      const [a, b] = [await paidWorkflowCount(), await paidWorkflowCount()];
      return a === b ? a : null;
    });
    const startedMs = Date.now();
    const FLOOD = 240;
    const statuses: Record<number, number> = {};
    let missingRetryAfter = 0;
    let next = 0;
    const worker = async () => {
      while (next < FLOOD) {
        const i = next++;
        // A fresh X-Forwarded-For on every request: ignored, no proxy is trusted.
        const headers = { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i % 250}` };
        const response =
          i % 2 === 0
            ? await fetch(`${api.apiUrl}/bounty/${[bounty.cheap, bounty.dear, bounty.staked][i % 3]}`, {
                headers,
              })
            : await fetch(`${api.apiUrl}/bounty/${bounty.staked}/submit`, {
                method: 'POST',
                headers,
                body: submission(2 + i / 1_000),
              });
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status === 429 && Number(response.headers.get('retry-after')) < 1)
          missingRetryAfter += 1;
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const minutes = Math.ceil((Date.now() - startedMs) / 60_000);
    const minted = (await invoiceCount()) - invoicesBefore;
    console.log(
      `flood: ${FLOOD} requests in ${Date.now() - startedMs} ms, ${minted} invoices, statuses ${JSON.stringify(statuses)}`,
    );

    expect(Object.keys(statuses).sort()).toEqual(['402', '429']);
    expect(missingRetryAfter).toBe(0);
    // At most a full burst of each route's bucket, plus one a minute each while the flood lasts.
    expect(minted).toBeGreaterThan(0);
    expect(minted).toBeLessThanOrEqual(BASELINE_BURST + SUBMIT_BURST + 2 * minutes);
    await eventually(
      'one workflow per minted invoice',
      async () => (await paidWorkflowCount()) - workflowsBefore === minted,
    );
  }, 120_000);
});

describe('the held stake', () => {
  it('goes back to the payer at once when its request finds no bounty to enter (nothing left pinned)', async () => {
    const row = await ledgerRepository(api.harness.db.prisma).find(held.paymentHash, 'INCOMING');
    const entry = { agentPublicKey, diffSha256: 'ab'.repeat(32), diffHash: 'cd'.repeat(32), claimedScore: 1 };
    const refused = await enterSubmission(
      api.harness.client,
      { workflowId: row!.workflowId, paymentHash: held.paymentHash },
      { parentWorkflowId: bountyWorkflowId(randomUUID()), mode: 'bounty', entry },
    ).catch((err: unknown) => err);
    expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'BOUNTY_NOT_OPEN' });
    expect(await held.payment).toBe('returned');
  }, 60_000);
});

describe('after the corpus and the flood', () => {
  it('every access-fee and paid-submission workflow ends, none failed, as the Temporal CLI lists them', async () => {
    const address = api.harness.env.address;
    const paid = '(WorkflowType = "accessFee" OR WorkflowType = "paidSubmission")';
    await eventually(
      'every unpaid challenge to expire and its workflow to end',
      async () => (await listWorkflows(address, `${paid} AND ExecutionStatus = "Running"`)).length === 0,
      (CHALLENGE_EXPIRY_SECONDS + 90) * 1000,
    );
    const ended = await listWorkflows(address, paid);
    const byStatus: Record<string, number> = {};
    for (const workflow of ended) byStatus[workflow.status] = (byStatus[workflow.status] ?? 0) + 1;
    console.log(`paid-route workflows: ${ended.length}, by status ${JSON.stringify(byStatus)}`);
    expect(ended.length).toBeGreaterThan(0);
    expect(Object.keys(byStatus)).toEqual(['WORKFLOW_EXECUTION_STATUS_COMPLETED']);
  }, 240_000);
});
