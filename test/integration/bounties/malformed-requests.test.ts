import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { getWalletInfo, payViaPaymentRequest } from 'ln-service';
import { submitToBounty } from '../../../clients/earner/bounty-client';
import { credentialsPath } from '../../../dev/stack/lnd';
import { bountyStatusQuery, bountyWorkflowId } from '../../../workflows/definitions';
import { testLnd } from '../../support/lightning';
import { testStackConfig } from '../../support/stack-config';
import { eventually } from '../../support/workflows';
import type { BountyTestApi } from './support';
import { parseChallenge, request, startBountyApi } from './support';

const improvement = readFileSync(
  join(__dirname, '../../../bounties/example-sort/samples/improvement.diff'),
  'utf8',
);
const sponsor = testLnd('sponsor');
let api: BountyTestApi;
let bountyId: string;
let agentPublicKey: string;
let create: Record<string, unknown>;

beforeAll(async () => {
  api = await startBountyApi();
  agentPublicKey = (await getWalletInfo({ lnd: testLnd('peer2') })).public_key;
  create = {
    bundle: 'example-sort',
    budgetSats: 1_100,
    payoutRule: { kind: 'linear-capped', capSats: 1_000, rateSatsPerUnit: 100, trancheCount: 2 },
    stakeSats: 50,
    baselineFeeSats: 5,
    sponsorPublicKey: (await getWalletInfo({ lnd: sponsor })).public_key,
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
  };
  const created = await request(api.apiUrl, '/bounties', { body: create });
  bountyId = created.body.bountyId as string;
  await payViaPaymentRequest({ lnd: sponsor, request: created.body.fundingInvoice as string });
  await eventually(
    'the bounty to open',
    async () => (await request(api.apiUrl, `/bounties/${bountyId}`)).body.phase === 'OPEN',
    60_000,
  );
}, 120_000);

afterAll(async () => {
  await api?.stop();
});

/** Everything a request could have written: rows of every table it touches, and workflows started. */
async function footprint() {
  const prisma = api.harness.db.prisma;
  return {
    bounties: await prisma.bounty.count(),
    submissions: await prisma.bountySubmission.count(),
    ledger: await prisma.ledgerEntry.count(),
    tokens: await prisma.l402RootKey.count(),
    workflows: (await api.harness.client.workflow.count()).count,
  };
}

const submission = (overrides: Record<string, unknown>) =>
  JSON.stringify({ diff: improvement, claimedScore: 1.049294, agentPublicKey, ...overrides });
/**
 * Pays a stake from `payer` and repeats the staked request with its macaroon until the stake is held: the answer,
 * and how the payment ended at the payer (`returned` when the stake was refunded).
 */
async function payAndRetry(
  payer: ReturnType<typeof testLnd>,
  invoice: string,
  url: string,
  body: string,
  macaroon: string,
) {
  const stake = payViaPaymentRequest({ lnd: payer, request: invoice }).then(
    () => 'forfeited',
    () => 'returned',
  );
  const refused = await eventually('the stake to be held', async () => {
    const answer = await request(api.apiUrl, url, { raw: body, authorization: `L402 ${macaroon}` });
    return answer.body.error?.code === 'L402_NOT_PAID' ? null : answer;
  });
  return { stake, refused };
}

const otherFile = improvement.replaceAll('sort.js', 'eval.js');

describe('malformed bounty requests', () => {
  it.each([
    ['bad JSON', '/bounties', () => '{"bundle":', 400, 'MALFORMED_JSON'],
    [
      'a huge body',
      '/bounties',
      () => JSON.stringify({ ...create, description: 'x'.repeat(70_000) }),
      413,
      'BODY_TOO_LARGE',
    ],
    ['an unknown field', '/bounties', () => JSON.stringify({ ...create, admin: true }), 400, 'INVALID_INPUT'],
    ['negative sats', '/bounties', () => JSON.stringify({ ...create, budgetSats: -1 }), 400, 'INVALID_INPUT'],
    [
      'fractional sats',
      '/bounties',
      () => JSON.stringify({ ...create, stakeSats: 1.5 }),
      400,
      'INVALID_INPUT',
    ],
    [
      'a cap above the budget',
      '/bounties',
      () => JSON.stringify({ ...create, budgetSats: 999 }),
      400,
      'INVALID_INPUT',
    ],
    [
      'a past deadline',
      '/bounties',
      () => JSON.stringify({ ...create, deadline: '2020-01-01T00:00:00Z' }),
      400,
      'INVALID_INPUT',
    ],
    [
      'a budget below one reward and its fee limits',
      '/bounties',
      () => JSON.stringify({ ...create, budgetSats: 1_000 }),
      422,
      'BOUNTY_BUDGET_TOO_SMALL',
    ],
    [
      'an unknown bundle',
      '/bounties',
      () => JSON.stringify({ ...create, bundle: 'no-such-bundle' }),
      422,
      'BOUNTY_BUNDLE_UNKNOWN',
    ],
    ['bad JSON', 'submissions', () => '{"diff":', 400, 'MALFORMED_JSON'],
    ['a huge body', 'submissions', () => submission({ diff: 'x'.repeat(70_000) }), 413, 'BODY_TOO_LARGE'],
    ['an unknown field', 'submissions', () => submission({ stakeSats: 0 }), 400, 'INVALID_INPUT'],
    [
      'a diff over the size limit',
      'submissions',
      () => submission({ diff: 'x'.repeat(40_000) }),
      400,
      'INVALID_INPUT',
    ],
    ['a malformed node key', 'submissions', () => submission({ agentPublicKey: 'ab' }), 400, 'INVALID_INPUT'],
    [
      'a diff to another file',
      'submissions',
      () => submission({ diff: otherFile }),
      422,
      'DIFF_TOUCHES_FORBIDDEN_FILE',
    ],
    [
      'a diff that is not a diff',
      'submissions',
      () => submission({ diff: 'rm -rf /' }),
      400,
      'DIFF_MALFORMED',
    ],
    ['an unknown bounty', 'unknown', () => submission({}), 404, 'BOUNTY_NOT_FOUND'],
  ])('refuses %s (%s) with a code, writing nothing', async (_case, target, body, status, code) => {
    const path =
      target === 'submissions'
        ? `/bounties/${bountyId}/submissions`
        : target === 'unknown'
          ? `/bounties/${randomUUID()}/submissions`
          : target;
    const before = await footprint();
    const answer = await request(api.apiUrl, path, { raw: body() });
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status, code });
    expect(await footprint()).toEqual(before);
  });

  it('refuses a per-eval bundle with a code where evals can only be limited per process, before any invoice', async () => {
    const before = await footprint();
    process.env.L402_SANDBOX_LIMITS = 'process';
    try {
      const answer = await request(api.apiUrl, '/bounties', { body: create });
      expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
        status: 422,
        code: 'SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE',
      });
    } finally {
      delete process.env.L402_SANDBOX_LIMITS;
    }
    // The bounty's workflow started and failed; nothing else was written, and no invoice exists.
    expect(await footprint()).toEqual({ ...before, workflows: before.workflows + 1 });
  });

  it.each([
    ['/bounties?limit=1000', 400, 'INVALID_INPUT'],
    ['/bounties?owner=me', 400, 'INVALID_INPUT'],
    ['/bounties/not-a-uuid', 400, 'INVALID_INPUT'],
    [`/bounties/${randomUUID()}/baseline`, 404, 'BOUNTY_NOT_FOUND'],
    [`/bounty/${randomUUID()}`, 404, 'BOUNTY_NOT_FOUND'],
  ])('refuses GET %s with a code, issuing no invoice', async (path, status, code) => {
    const before = await footprint();
    const answer = await request(api.apiUrl, path);
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status, code });
    expect(await footprint()).toEqual(before);
  });

  it('answers a well-formed submission with a stake challenge (the published alias too), which the footprint sees', async () => {
    const before = await footprint();
    // Two different submissions: the same one asked again would get the same challenge back.
    for (const [path, claimedScore] of [
      [`/bounties/${bountyId}/submissions`, 1.049294],
      [`/bounty/${bountyId}/submit`, 1.0493],
    ] as const) {
      const answer = await request(api.apiUrl, path, { raw: submission({ claimedScore }) });
      expect(answer.status).toBe(402);
      expect(answer.challenge).toMatch(/^L402 macaroon="[^"]+", invoice="lnbcrt500n/);
    }
    // Two stake workflows and tokens: proof that the footprint would have caught a write above.
    await eventually('the stake workflows to be visible', async () => {
      const after = await footprint();
      return after.workflows === before.workflows + 2 && after.tokens === before.tokens + 2;
    });
  });
});

describe('a submission the pool cannot cover', () => {
  it('is refused before any challenge, and one whose stake was paid before the pool filled gets its stake back', async () => {
    const handle = api.harness.client.workflow.getHandle(bountyWorkflowId(bountyId));
    const url = `/bounties/${bountyId}/submissions`;
    // This one asks for its stake while the pool (1,100 sats) still covers one reward reserve (1,002 sats)...
    const payer = testLnd('peer3');
    const body = submission({ agentPublicKey: (await getWalletInfo({ lnd: payer })).public_key });
    const { macaroon, invoice } = parseChallenge((await request(api.apiUrl, url, { raw: body })).challenge);
    // ...then the first submission takes the reserve.
    const first = submitToBounty({
      apiUrl: api.apiUrl,
      bountyId,
      lnd: testLnd('peer2'),
      diff: improvement,
      claimedScore: 1.049294,
      pollMs: 200,
    });
    await eventually('the first submission taken', async () => {
      const status = await handle.query(bountyStatusQuery);
      return status.validating !== null || status.queued > 0;
    });

    // Now a new submission is refused at the door: no challenge, no token, no stake invoice.
    const prisma = api.harness.db.prisma;
    const asked = async () => ({
      tokens: await prisma.l402RootKey.count(),
      stakes: await prisma.ledgerEntry.count({ where: { purpose: 'STAKE' } }),
    });
    const before = await asked();
    const door = await request(api.apiUrl, url, { raw: submission({ claimedScore: 1.0493 }) });
    expect({ status: door.status, code: door.body.error?.code, challenge: door.challenge }).toEqual({
      status: 409,
      code: 'BOUNTY_POOL_EXHAUSTED',
      challenge: null,
    });
    expect(await asked()).toEqual(before);

    // The stake paid before the pool filled: the bounty refuses the submission and the hold invoice is cancelled.
    const { stake, refused } = await payAndRetry(payer, invoice, url, body, macaroon);
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({
      status: 409,
      code: 'BOUNTY_POOL_EXHAUSTED',
    });
    expect(await stake).toBe('returned');
    // The first one earns less than one 500-sat tranche (rate 100 sats per unit): accepted, paid nothing.
    expect((await first).submission).toMatchObject({
      status: 'ACCEPTED',
      payoutSats: 0,
      stakeOutcome: 'refund',
    });
  }, 60_000);
});

describe('the bounty CLI against the API and the agent’s own LND', () => {
  const cli = (...args: string[]) =>
    promisify(execFile)('node', [
      join(__dirname, '../../../bin/l402-train.js'),
      'bounty',
      ...args,
      '--api',
      api.apiUrl,
    ]);

  it('lists and gets the bounty, and buys its baseline with the agent’s node', async () => {
    expect((await cli('list', '--phase', 'OPEN')).stdout).toContain(bountyId);
    expect(JSON.parse((await cli('get', bountyId)).stdout)).toMatchObject({ id: bountyId, phase: 'OPEN' });
    const out = mkdtempSync(join(tmpdir(), 'l402-baseline-'));
    try {
      const bought = await cli(
        'baseline',
        bountyId,
        '--out',
        out,
        '--credentials',
        credentialsPath(testStackConfig(), 'peer2'),
      );
      expect(bought.stdout).toContain('wrote');
      expect(readFileSync(join(out, 'sort.js'), 'utf8')).toContain('function sort(');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a stake paid for a bounty that then closes', () => {
  it('is refused with BOUNTY_NOT_OPEN and its stake goes back at once, not at its deadline', async () => {
    const created = await request(api.apiUrl, '/bounties', { body: create });
    const closing = created.body.bountyId as string;
    await payViaPaymentRequest({ lnd: sponsor, request: created.body.fundingInvoice as string });
    await eventually(
      'the bounty to open',
      async () => (await request(api.apiUrl, `/bounties/${closing}`)).body.phase === 'OPEN',
      60_000,
    );
    const url = `/bounties/${closing}/submissions`;
    const payer = testLnd('peer3');
    const body = submission({ agentPublicKey: (await getWalletInfo({ lnd: payer })).public_key });
    const { macaroon, invoice } = parseChallenge((await request(api.apiUrl, url, { raw: body })).challenge);
    await request(api.apiUrl, `/bounties/${closing}/close`, {
      body: { closeToken: created.body.closeToken as string },
    });
    await eventually(
      'the bounty to close',
      async () => (await request(api.apiUrl, `/bounties/${closing}`)).body.phase === 'CLOSED',
    );

    const { stake, refused } = await payAndRetry(payer, invoice, url, body, macaroon);
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({
      status: 409,
      code: 'BOUNTY_NOT_OPEN',
    });
    expect(await stake).toBe('returned');
  }, 120_000);
});
