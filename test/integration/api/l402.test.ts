import type { Server } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { fetchWithL402 } from '@getalby/lightning-tools';
import express from 'express';
import { decodePaymentRequest, getInvoice, getInvoices, payViaPaymentRequest } from 'ln-service';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { errorMiddleware } from '../../../api/errors';
import { workflowHoldInvoiceIssuer, workflowInvoiceIssuer } from '../../../api/invoices';
import { l402Gate } from '../../../api/l402';
import type { VerifiedL402 } from '../../../api/l402';
import { gated } from '../../support/gated';
import { ledgerRepository } from '../../../db/repos/ledger';
import { prismaRootKeyStore, prismaTokenSpends } from '../../../db/repos/l402';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import { testLnd } from '../../support/lightning';
import { eventually } from '../../support/workflows';

const coordinator = testLnd('coordinator');
const peer = testLnd('peer');
const MAX_HELD = 2;
const UNLIMITED = {
  challengesPerClient: { burst: 100_000, perMinute: 1_000_000 },
  usesPerToken: { burst: 100_000, perMinute: 1_000_000 },
  reuseChallengeSeconds: 0,
};
const LIMITED = {
  challengesPerClient: { burst: 2, perMinute: 1 },
  usesPerToken: { burst: 100, perMinute: 100 },
  reuseChallengeSeconds: 300,
};
/** The price of `/priced` now. */
let price = 25;
let harness: ControlHarness;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  harness = await startControlHarness();
  const rootKeys = prismaRootKeyStore(harness.db.prisma);
  const spends = prismaTokenSpends(harness.db.prisma);
  const invoices = workflowInvoiceIssuer({ temporal: harness.client });
  const holds = workflowHoldInvoiceIssuer({
    temporal: harness.client,
    lightning: lnServiceClient(coordinator),
    ledger: ledgerRepository(harness.db.prisma),
    maxHeldEscrows: MAX_HELD,
    stakeDecideWithinSeconds: 5,
  });
  const ok = (token: VerifiedL402) => ({ ok: true, paymentHash: token.paymentHash });
  const app = express();
  // Every challenge fresh and no rate limit here (those have their own tests below).
  const gate = { rootKeys, ttlSeconds: 3_600, limits: UNLIMITED };
  const fixed = { priceSats: 25 };
  app.get(
    '/baseline',
    gated(
      l402Gate({ ...gate, service: 'bounty', capability: 'baseline', mode: 'reusable', invoices }),
      fixed,
      ok,
    ),
  );
  app.get(
    '/leaderboard',
    gated(
      l402Gate({ ...gate, service: 'bounty', capability: 'leaderboard', mode: 'reusable', invoices }),
      fixed,
      ok,
    ),
  );
  app.get(
    '/checkpoint',
    gated(
      l402Gate({ ...gate, service: 'training', capability: 'checkpoint', mode: 'reusable', invoices }),
      fixed,
      ok,
    ),
  );
  app.get(
    '/short',
    gated(
      l402Gate({
        ...gate,
        ttlSeconds: 1,
        service: 'bounty',
        capability: 'short',
        mode: 'reusable',
        invoices,
      }),
      fixed,
      ok,
    ),
  );
  app.post(
    '/job',
    gated(
      l402Gate({ ...gate, service: 'bounty', capability: 'job', mode: 'once', invoices, spends }),
      fixed,
      ok,
    ),
  );
  app.post(
    '/submit',
    gated(
      l402Gate({ ...gate, service: 'bounty', capability: 'submit', mode: 'hold', invoices: holds, spends }),
      fixed,
      ok,
    ),
  );
  app.get(
    '/priced',
    gated(
      l402Gate({ ...gate, service: 'bounty', capability: 'priced', mode: 'reusable', invoices }),
      { priceSats: () => price },
      ok,
    ),
  );
  app.get(
    '/limited',
    gated(
      l402Gate({
        ...gate,
        limits: LIMITED,
        service: 'bounty',
        capability: 'limited',
        mode: 'reusable',
        invoices,
      }),
      { ...fixed, resource: (req) => String(req.query['r']) },
      ok,
    ),
  );
  app.use(errorMiddleware(() => {}));
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as { port: number };
  baseUrl = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await harness?.stop();
});

function parseChallenge(header: string | null): { macaroon: string; invoice: string } {
  const match = /^L402 macaroon="([^"]+)", invoice="([^"]+)"$/.exec(header ?? '');
  if (!match) throw new Error(`not an L402 challenge: ${header}`);
  return { macaroon: match[1] as string, invoice: match[2] as string };
}

async function challenge(path: string, method = 'GET') {
  const response = await fetch(`${baseUrl}${path}`, { method });
  expect(response.status).toBe(402);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PAYMENT_REQUIRED');
  return parseChallenge(response.headers.get('www-authenticate'));
}

async function buy(path: string, method = 'GET') {
  const { macaroon, invoice } = await challenge(path, method);
  const { secret } = await payViaPaymentRequest({ lnd: peer, request: invoice });
  return { macaroon, preimage: secret, invoice };
}

async function call(path: string, authorization: string, method = 'GET') {
  const response = await fetch(`${baseUrl}${path}`, { method, headers: { authorization } });
  const body = (await response.json()) as { ok?: boolean; error?: { code: string; hint?: string } };
  return { status: response.status, code: body.error?.code, hint: body.error?.hint, ok: body.ok };
}

describe('L402 over HTTP with real LND invoices', () => {
  it('402 → pay with the peer node → retry with the preimage → 200, and the access fee is in the ledger', async () => {
    const { macaroon, preimage, invoice } = await buy('/baseline');
    expect(await call('/baseline', `L402 ${macaroon}:${preimage}`)).toMatchObject({ status: 200, ok: true });
    expect(await call('/baseline', `LSAT ${macaroon}:${preimage}`)).toMatchObject({ status: 200, ok: true });

    const paymentHash = createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex');
    expect((await getInvoice({ lnd: coordinator, id: paymentHash })).request).toBe(invoice);
    const ledger = ledgerRepository(harness.db.prisma);
    await eventually(
      'the ledger to record the fee',
      async () => (await ledger.find(paymentHash, 'INCOMING'))?.state === 'SETTLED',
    );
    expect(await ledger.find(paymentHash, 'INCOMING')).toMatchObject({
      purpose: 'ACCESS_FEE',
      amountSats: 25n,
    });
  });

  it.each([
    [
      'a wrong preimage',
      async () => `L402 ${(await buy('/baseline')).macaroon}:${randomBytes(32).toString('hex')}`,
      '/baseline',
      'L402_WRONG_PREIMAGE',
    ],
    [
      'a tampered caveat',
      async () => {
        const { macaroon, preimage } = await buy('/baseline');
        const bytes = Buffer.from(macaroon, 'base64');
        const at = bytes.indexOf('bounty_capabilities=baseline');
        bytes.write('bounty_capabilities=leaderbo', at);
        return `L402 ${bytes.toString('base64')}:${preimage}`;
      },
      '/baseline',
      'L402_BAD_SIGNATURE',
    ],
    [
      'a token of another service',
      async () => {
        const t = await buy('/baseline');
        return `L402 ${t.macaroon}:${t.preimage}`;
      },
      '/checkpoint',
      'L402_WRONG_SERVICE',
    ],
    [
      'a token used beyond its capability',
      async () => {
        const t = await buy('/baseline');
        return `L402 ${t.macaroon}:${t.preimage}`;
      },
      '/leaderboard',
      'L402_WRONG_CAPABILITY',
    ],
    [
      'an unpaid challenge',
      async () => `L402 ${(await challenge('/baseline')).macaroon}:${randomBytes(32).toString('hex')}`,
      '/baseline',
      'L402_WRONG_PREIMAGE',
    ],
  ])('rejects %s with 401 and a code that says what to do', async (_name, authorization, path, code) => {
    const rejected = await call(path, await authorization());
    expect(rejected).toMatchObject({ status: 401, code });
    expect(rejected.hint).toEqual(expect.any(String));
  });

  it('rejects an expired macaroon', async () => {
    const { macaroon, preimage } = await buy('/short');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await call('/short', `L402 ${macaroon}:${preimage}`)).toMatchObject({
      status: 401,
      code: 'L402_EXPIRED',
    });
  });

  it('revoking the root key kills the token', async () => {
    const { macaroon, preimage } = await buy('/baseline');
    expect((await call('/baseline', `L402 ${macaroon}:${preimage}`)).status).toBe(200);
    const [row] = await harness.db.prisma.l402RootKey.findMany({ orderBy: { createdAt: 'desc' }, take: 1 });
    await prismaRootKeyStore(harness.db.prisma).revoke(row!.tokenId);
    expect(await call('/baseline', `L402 ${macaroon}:${preimage}`)).toMatchObject({
      status: 401,
      code: 'L402_TOKEN_REVOKED',
    });
  });

  it('spends a pay-per-job token exactly once under concurrent requests', async () => {
    const { macaroon, preimage } = await buy('/job', 'POST');
    const results = await Promise.all(
      Array.from({ length: 8 }, () => call('/job', `L402 ${macaroon}:${preimage}`, 'POST')),
    );
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    expect(results.filter((result) => result.code === 'L402_TOKEN_SPENT')).toHaveLength(7);
  });

  it('hold mode: the macaroon alone is refused before payment and accepted once LND holds the HTLC', async () => {
    const { macaroon, invoice } = await challenge('/submit', 'POST');
    expect(await call('/submit', `L402 ${macaroon}`, 'POST')).toMatchObject({
      status: 401,
      code: 'L402_NOT_PAID',
    });

    const payment = payViaPaymentRequest({ lnd: peer, request: invoice }).then(
      () => 'paid',
      () => 'refunded',
    );
    const { id } = await getInvoice({
      lnd: coordinator,
      id: (
        await eventually('the hold', async () => {
          const row = await harness.db.prisma.ledgerEntry.findFirst({
            where: { purpose: 'STAKE', state: 'HELD' },
          });
          return row;
        })
      ).paymentHash,
    });
    expect((await getInvoice({ lnd: coordinator, id })).is_held).toBe(true);
    expect(await call('/submit', `L402 ${macaroon}`, 'POST')).toMatchObject({ status: 200, ok: true });
    expect(await call('/submit', `L402 ${macaroon}`, 'POST')).toMatchObject({
      status: 401,
      code: 'L402_TOKEN_SPENT',
    });
    // No verdict arrives within the stake's window: the stake workflow refunds it.
    expect(await payment).toBe('refunded');
  });

  it('answers 503 with Retry-After once the held-escrow cap is reached, and issues no invoice', async () => {
    await challenge('/submit', 'POST');
    await challenge('/submit', 'POST');
    const ledger = ledgerRepository(harness.db.prisma);
    const live = await ledger.countLive(['STAKE', 'REWARD_ESCROW']);
    expect(live).toBeGreaterThanOrEqual(MAX_HELD);
    const rows = await harness.db.prisma.ledgerEntry.count();

    const response = await fetch(`${baseUrl}/submit`, { method: 'POST' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('ESCROW_CAPACITY');
    expect(await harness.db.prisma.ledgerEntry.count()).toBe(rows);
  });

  it('keeps a token while the price it paid covers the price now; a raised price retires it (403)', async () => {
    price = 25;
    const { macaroon, preimage } = await buy('/priced');
    const auth = `L402 ${macaroon}:${preimage}`;
    price = 20;
    expect(await call('/priced', auth)).toMatchObject({ status: 200, ok: true });
    price = 30;
    const raised = await call('/priced', auth);
    expect(raised).toMatchObject({ status: 403, code: 'L402_WRONG_PRICE' });
    expect(raised.ok).toBeUndefined();
    const { invoice } = await challenge('/priced');
    expect((await decodePaymentRequest({ lnd: coordinator, request: invoice })).tokens).toBe(30);
    price = 25;
  });

  it('reuses one invoice for the same request, then answers 429 RATE_LIMITED with Retry-After, minting nothing', async () => {
    const invoiceCount = async () => (await getInvoices({ lnd: coordinator, limit: 1_000 })).invoices.length;
    const before = await invoiceCount();
    const first = await challenge('/limited?r=a');
    const again = await Promise.all([1, 2, 3, 4].map(() => challenge('/limited?r=a')));
    expect(new Set(again.map((c) => c.invoice))).toEqual(new Set([first.invoice]));
    expect(await invoiceCount()).toBe(before + 1);

    // Another resource is another request: it mints, and spends this client's burst of 2.
    expect((await challenge('/limited?r=b')).invoice).not.toBe(first.invoice);
    for (const headers of [{}, { 'x-forwarded-for': '198.51.100.7' }] as Record<string, string>[]) {
      // No trusted proxy: a forged X-Forwarded-For is the same client.
      const response = await fetch(`${baseUrl}/limited?r=c`, { headers });
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    }
    expect(await invoiceCount()).toBe(before + 2);
    // The same request as before still gets its invoice back.
    expect((await challenge('/limited?r=a')).invoice).toBe(first.invoice);
  });

  it('interoperates with @getalby/lightning-tools fetchWithL402 paying from the peer node', async () => {
    const wallet = {
      payInvoice: async ({ invoice }: { invoice: string }) => ({
        preimage: (await payViaPaymentRequest({ lnd: peer, request: invoice })).secret,
      }),
    };
    const response = await fetchWithL402(`${baseUrl}/baseline`, {}, { wallet });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true });
  });
});
