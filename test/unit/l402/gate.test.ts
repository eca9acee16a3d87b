import { createHash } from 'node:crypto';

import { importMacaroon } from 'macaroon';

import type { Request } from 'express';

import { L402ConfigError, l402Gate, InMemoryRootKeyStore } from '../../../api/l402';
import { encodeMacaroon } from '../../../api/l402/token';
import { FakeInvoiceIssuer } from './fakes';
import { challengeFor, getWith, startServer, type ErrorBody, type TestServer } from './harness';

const DAY = 86_400;

let server: TestServer;
/** The price of `/items/:id` now; tests raise and lower it. */
let itemPrice = 20;
const LIMITED = {
  challengesPerClient: { burst: 2, perMinute: 6 },
  usesPerToken: { burst: 3, perMinute: 6 },
  reuseChallengeSeconds: 30,
};

beforeAll(async () => {
  server = await startServer({
    '/baseline': {
      service: 'bounty',
      capability: 'baseline',
      priceSats: 100,
      ttlSeconds: DAY,
      mode: 'reusable',
    },
    '/submit': { service: 'bounty', capability: 'submit', priceSats: 50, ttlSeconds: DAY, mode: 'once' },
    '/checkpoint': {
      service: 'checkpoint',
      capability: 'baseline',
      priceSats: 10,
      ttlSeconds: DAY,
      mode: 'reusable',
    },
    '/stake': { service: 'bounty', capability: 'stake', priceSats: 1_000, ttlSeconds: 3_600, mode: 'hold' },
    '/priced': {
      service: 'bounty',
      capability: 'priced',
      priceSats: (req) => Number(req.query['sats']),
      ttlSeconds: DAY,
      mode: 'reusable',
    },
    '/items/:id': {
      service: 'items',
      capability: 'read',
      priceSats: () => itemPrice,
      resource: (req) => String(req.params['id']),
      ttlSeconds: DAY,
      mode: 'reusable',
    },
    '/stake-body': {
      service: 'bounty',
      capability: 'staked',
      priceSats: 1_000,
      bodySha256: (req) => createHash('sha256').update(String(req.query['body'])).digest('hex'),
      ttlSeconds: 3_600,
      mode: 'hold',
    },
    '/limited/:id': {
      service: 'limited',
      capability: 'read',
      priceSats: 10,
      resource: (req) => String(req.params['id']),
      ttlSeconds: DAY,
      mode: 'reusable',
      limits: LIMITED,
    },
  });
});

afterAll(() => server.close());

/** Gets a challenge for `path` and pays it; returns the parts of a valid `Authorization`. */
async function paidToken(path: string): Promise<{ macaroon: string; preimage: string; invoice: string }> {
  const challenge = await challengeFor(server, path);
  return { ...challenge, preimage: server.issuer.pay(challenge.invoice).toString('hex') };
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as ErrorBody).error.code;
}

/** Re-serialises a macaroon with extra caveats properly chained (what any holder may do). */
function attenuate(macaroon: string, ...caveats: string[]): string {
  const m = importMacaroon(new Uint8Array(Buffer.from(macaroon, 'base64')));
  caveats.forEach((caveat) => m.addFirstPartyCaveat(caveat));
  return encodeMacaroon(m);
}

describe('l402Gate challenge', () => {
  it('answers 402 with a macaroon bound to the invoice and a hint', async () => {
    const response = await fetch(`${server.url}/baseline`);
    expect(response.status).toBe(402);
    const body = (await response.json()) as ErrorBody;
    expect(body.error).toMatchObject({
      code: 'PAYMENT_REQUIRED',
      hint: expect.stringContaining('Authorization: L402'),
    });

    const header = response.headers.get('www-authenticate') ?? '';
    const [, macaroon = '', invoice = ''] = /^L402 macaroon="([^"]+)", invoice="([^"]+)"$/.exec(header) ?? [];
    const issued = server.issuer.issued.find((candidate) => candidate.bolt11 === invoice);
    expect(issued).toMatchObject({ sats: 100, hold: false });

    const m = importMacaroon(new Uint8Array(Buffer.from(macaroon, 'base64')));
    const identifier = Buffer.from(m.identifier);
    expect(identifier).toHaveLength(66);
    expect(identifier.readUInt16BE(0)).toBe(0);
    expect(identifier.subarray(2, 34).toString('hex')).toBe(issued!.paymentHash);
    expect(m.caveats.map((caveat) => Buffer.from(caveat.identifier).toString())).toEqual([
      'services=bounty:0',
      'bounty_capabilities=baseline',
      `bounty_valid_until=${Math.floor(server.clock.now() / 1000) + DAY}`,
      'bounty_price_sats=100',
    ]);
  });

  it.each(['Bearer abc', 'Basic dXNlcjpwYXNz'])(
    'answers a request with another scheme (%s) with a challenge',
    async (auth) => {
      expect((await getWith(server, '/baseline', auth)).status).toBe(402);
    },
  );

  it('prices from the request', async () => {
    await challengeFor(server, '/priced?sats=321');
    expect(server.issuer.issued.at(-1)?.sats).toBe(321);
  });

  it('reports a bad computed price as a server error, not a challenge', async () => {
    const response = await fetch(`${server.url}/priced?sats=0`);
    expect(response.status).toBe(500);
    expect(await errorCode(response)).toBe('L402_CONFIG_INVALID');
  });
});

describe('l402Gate with a paid token', () => {
  it('lets a paid request through and hands the verified token to the handler', async () => {
    const { macaroon, preimage, invoice } = await paidToken('/baseline');
    const response = await getWith(server, '/baseline', `L402 ${macaroon}:${preimage}`);
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: Record<string, unknown> };
    expect(token).toEqual({
      tokenId: expect.stringMatching(/^[0-9a-f]{64}$/),
      paymentHash: server.issuer.issued.find((i) => i.bolt11 === invoice)!.paymentHash,
      service: 'bounty',
      capability: 'baseline',
      mode: 'reusable',
      expiresAt: Math.floor(server.clock.now() / 1000) + DAY,
      paidSats: 100,
      scheme: 'L402',
    });
  });

  it('treats reusable tokens as bearer tokens until they expire', async () => {
    const { macaroon, preimage } = await paidToken('/baseline');
    for (let i = 0; i < 3; i += 1) {
      expect((await getWith(server, '/baseline', `L402 ${macaroon}:${preimage}`)).status).toBe(200);
    }
  });

  it.each(['LSAT', 'lsat', 'l402'])('accepts the %s scheme name', async (scheme) => {
    const { macaroon, preimage } = await paidToken('/baseline');
    const response = await getWith(server, '/baseline', `${scheme} ${macaroon}:${preimage}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { token: { scheme: string } }).token.scheme).toBe(
      scheme.toUpperCase() === 'LSAT' ? 'LSAT' : 'L402',
    );
  });

  it('accepts URL-safe unpadded base64 macaroons', async () => {
    const { macaroon, preimage } = await paidToken('/baseline');
    const urlSafe = Buffer.from(macaroon, 'base64').toString('base64url');
    expect((await getWith(server, '/baseline', `L402 ${urlSafe}:${preimage}`)).status).toBe(200);
  });

  it('accepts caveats a client added to tighten the token, and ignores caveats for other services', async () => {
    const { macaroon, preimage } = await paidToken('/baseline');
    const validUntil = Math.floor(server.clock.now() / 1000) + 60;
    const tightened = attenuate(
      macaroon,
      'services=bounty:0',
      'bounty_capabilities=baseline',
      `bounty_valid_until=${validUntil}`,
      'checkpoint_capabilities=read',
    );
    const response = await getWith(server, '/baseline', `L402 ${tightened}:${preimage}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { token: { expiresAt: number } }).token.expiresAt).toBe(validUntil);
  });
});

describe('l402Gate rejections', () => {
  type Tamper = (
    token: { macaroon: string; preimage: string },
    server: TestServer,
  ) => Promise<string> | string;

  it.each<[string, string, Tamper]>([
    ['a wrong preimage', 'L402_WRONG_PREIMAGE', ({ macaroon }) => `L402 ${macaroon}:${'ab'.repeat(32)}`],
    [
      "another invoice's preimage",
      'L402_WRONG_PREIMAGE',
      async ({ macaroon }) => `L402 ${macaroon}:${(await paidToken('/baseline')).preimage}`,
    ],
    ['no preimage', 'L402_PREIMAGE_MISSING', ({ macaroon }) => `L402 ${macaroon}`],
    ['a garbled macaroon', 'L402_MALFORMED', ({ preimage }) => `L402 bm90IGEgbWFjYXJvb24=:${preimage}`],
    ['bad characters', 'L402_MALFORMED', ({ macaroon }) => `L402 ${macaroon}!:zz`],
    ['a short preimage', 'L402_MALFORMED', ({ macaroon }) => `L402 ${macaroon}:abcd`],
    ['no token at all', 'L402_MALFORMED', () => 'L402'],
    [
      'an altered caveat (expiry pushed out without the key)',
      'L402_BAD_SIGNATURE',
      ({ macaroon, preimage }) => {
        const bytes = Buffer.from(macaroon, 'base64');
        const at = bytes.indexOf('_valid_until=') + '_valid_until='.length;
        bytes[at] = '9'.charCodeAt(0);
        return `L402 ${bytes.toString('base64')}:${preimage}`;
      },
    ],
    [
      'an extra caveat spliced in without re-signing',
      'L402_BAD_SIGNATURE',
      ({ macaroon, preimage }) => {
        const original = Buffer.from(macaroon, 'base64');
        const extended = Buffer.from(attenuate(macaroon, 'bounty_capabilities=baseline'), 'base64');
        const spliced = Buffer.concat([extended.subarray(0, -32), original.subarray(-32)]);
        return `L402 ${spliced.toString('base64')}:${preimage}`;
      },
    ],
    [
      'a loosening capability caveat',
      'L402_CAVEAT_LOOSENED',
      ({ macaroon, preimage }) =>
        `L402 ${attenuate(macaroon, 'bounty_capabilities=baseline,submit')}:${preimage}`,
    ],
    [
      'a loosening expiry caveat',
      'L402_CAVEAT_LOOSENED',
      ({ macaroon, preimage }, s) =>
        `L402 ${attenuate(macaroon, `bounty_valid_until=${Math.floor(s.clock.now() / 1000) + 2 * DAY}`)}:${preimage}`,
    ],
    [
      'an empty capability list',
      'L402_MALFORMED',
      ({ macaroon, preimage }) => `L402 ${attenuate(macaroon, 'bounty_capabilities=')}:${preimage}`,
    ],
    [
      'an unknown caveat',
      'L402_UNKNOWN_CAVEAT',
      ({ macaroon, preimage }) => `L402 ${attenuate(macaroon, 'ip_address=10.0.0.1')}:${preimage}`,
    ],
    [
      'a revoked root key',
      'L402_TOKEN_REVOKED',
      async ({ macaroon, preimage }, s) => {
        const identifier = Buffer.from(
          importMacaroon(new Uint8Array(Buffer.from(macaroon, 'base64'))).identifier,
        );
        await s.rootKeys.revoke(identifier.subarray(34).toString('hex'));
        return `L402 ${macaroon}:${preimage}`;
      },
    ],
  ])('rejects %s with 401 %s and a hint', async (_label, code, tamper) => {
    const token = await paidToken('/baseline');
    const response = await getWith(server, '/baseline', await tamper(token, server));
    expect(response.status).toBe(401);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe(code);
    expect(body.error.hint).toEqual(expect.any(String));
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it('rejects an expired token', async () => {
    const { macaroon, preimage } = await paidToken('/baseline');
    const auth = `L402 ${macaroon}:${preimage}`;
    server.clock.advanceSeconds(DAY - 1);
    expect((await getWith(server, '/baseline', auth)).status).toBe(200);
    server.clock.advanceSeconds(1);
    const response = await getWith(server, '/baseline', auth);
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('L402_EXPIRED');
  });

  it('rejects a token minted for another service, even under the same key store', async () => {
    const { macaroon, preimage } = await paidToken('/checkpoint');
    const response = await getWith(server, '/baseline', `L402 ${macaroon}:${preimage}`);
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('L402_WRONG_SERVICE');
  });

  it('rejects a token minted for another capability of the same service', async () => {
    const { macaroon, preimage } = await paidToken('/baseline');
    const response = await getWith(server, '/submit', `L402 ${macaroon}:${preimage}`);
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('L402_WRONG_CAPABILITY');
  });

  it('rejects a token whose key was never issued here', async () => {
    const elsewhere = await startServer({
      '/baseline': {
        service: 'bounty',
        capability: 'baseline',
        priceSats: 100,
        ttlSeconds: DAY,
        mode: 'reusable',
      },
    });
    try {
      const challenge = await challengeFor(elsewhere, '/baseline');
      const preimage = elsewhere.issuer.pay(challenge.invoice).toString('hex');
      const response = await getWith(server, '/baseline', `L402 ${challenge.macaroon}:${preimage}`);
      expect(await errorCode(response)).toBe('L402_TOKEN_REVOKED');
    } finally {
      await elsewhere.close();
    }
  });
});

describe('l402Gate pay-per-job tokens', () => {
  it('spends a token exactly once under 10 concurrent requests', async () => {
    const { macaroon, preimage } = await paidToken('/submit');
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => getWith(server, '/submit', `L402 ${macaroon}:${preimage}`)),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(9);
    const codes = await Promise.all(responses.filter((r) => r.status === 401).map(errorCode));
    expect(new Set(codes)).toEqual(new Set(['L402_TOKEN_SPENT']));
    await Promise.all(responses.filter((r) => r.status === 200).map((r) => r.body?.cancel()));
  });

  it('does not spend a token on a request that fails verification', async () => {
    const { macaroon, preimage } = await paidToken('/submit');
    expect((await getWith(server, '/submit', `L402 ${macaroon}:${'00'.repeat(32)}`)).status).toBe(401);
    expect((await getWith(server, '/submit', `L402 ${macaroon}:${preimage}`)).status).toBe(200);
  });
});

describe('l402Gate hold-invoice stakes', () => {
  it('asks for a hold invoice and admits the macaroon alone only while the stake is held, once', async () => {
    const { macaroon, invoice } = await challengeFor(server, '/stake');
    expect(server.issuer.issued.at(-1)).toMatchObject({ bolt11: invoice, hold: true, sats: 1_000 });

    const before = await getWith(server, '/stake', `L402 ${macaroon}`);
    expect(before.status).toBe(401);
    expect(((await before.json()) as ErrorBody).error).toMatchObject({
      code: 'L402_NOT_PAID',
      hint: expect.stringContaining('hold invoice'),
    });

    server.issuer.acceptHold(invoice);
    const accepted = await getWith(server, '/stake', `L402 ${macaroon}`);
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as { token: { mode: string } }).token.mode).toBe('hold');

    expect(await errorCode(await getWith(server, '/stake', `L402 ${macaroon}`))).toBe('L402_TOKEN_SPENT');
  });

  it('refuses a stake whose hold was settled or cancelled before use', async () => {
    const { macaroon, invoice } = await challengeFor(server, '/stake');
    server.issuer.acceptHold(invoice);
    server.issuer.resolveHold(invoice);
    expect(await errorCode(await getWith(server, '/stake', `L402 ${macaroon}`))).toBe('L402_NOT_PAID');
  });

  it('refuses a preimage on a stake route', async () => {
    const { macaroon, invoice } = await challengeFor(server, '/stake');
    server.issuer.acceptHold(invoice);
    const preimage = createHash('sha256').update('x').digest('hex');
    expect(await errorCode(await getWith(server, '/stake', `L402 ${macaroon}:${preimage}`))).toBe(
      'L402_MALFORMED',
    );
  });
});

describe('l402Gate tokens bound to what they bought', () => {
  it('opens only the resource the token was bought for (403 L402_WRONG_RESOURCE elsewhere)', async () => {
    const { macaroon, preimage } = await paidToken('/items/cheap');
    const auth = `L402 ${macaroon}:${preimage}`;
    expect((await getWith(server, '/items/cheap', auth)).status).toBe(200);
    const other = await getWith(server, '/items/dear', auth);
    expect(other.status).toBe(403);
    expect(await errorCode(other)).toBe('L402_WRONG_RESOURCE');
  });

  it('keeps a token while the price it paid covers the price now, and retires it when the price goes up', async () => {
    itemPrice = 20;
    const { macaroon, preimage } = await paidToken('/items/a');
    const auth = `L402 ${macaroon}:${preimage}`;
    try {
      itemPrice = 15;
      expect((await getWith(server, '/items/a', auth)).status).toBe(200);
      itemPrice = 21;
      const raised = await getWith(server, '/items/a', auth);
      expect(raised.status).toBe(403);
      expect(await errorCode(raised)).toBe('L402_WRONG_PRICE');
      expect(server.issuer.issued.at(-1)?.sats).toBe(20);
      expect((await challengeFor(server, '/items/a')).invoice).not.toBe('');
      expect(server.issuer.issued.at(-1)?.sats).toBe(21);
    } finally {
      itemPrice = 20;
    }
  });

  it('binds a stake token to the body that priced it (403 L402_WRONG_BODY on another, and it stays unspent)', async () => {
    const { macaroon, invoice } = await challengeFor(server, '/stake-body?body=mine');
    server.issuer.acceptHold(invoice);
    const swapped = await getWith(server, '/stake-body?body=other', `L402 ${macaroon}`);
    expect(swapped.status).toBe(403);
    expect(await errorCode(swapped)).toBe('L402_WRONG_BODY');
    expect((await getWith(server, '/stake-body?body=mine', `L402 ${macaroon}`)).status).toBe(200);
  });
});

describe('l402Gate rate limits and challenge reuse', () => {
  it('gives the same request asked again within the window the same invoice, and a new one after', async () => {
    const first = await challengeFor(server, '/limited/reuse');
    const issued = server.issuer.issued.length;
    const again = await Promise.all([1, 2, 3].map(() => challengeFor(server, '/limited/reuse')));
    expect(again).toEqual([first, first, first]);
    expect(server.issuer.issued).toHaveLength(issued);
    server.clock.advanceSeconds(31);
    expect((await challengeFor(server, '/limited/reuse')).invoice).not.toBe(first.invoice);
  });

  it('answers 429 RATE_LIMITED with Retry-After once a client has minted its burst, and mints again later', async () => {
    server.clock.advanceSeconds(60);
    await challengeFor(server, '/limited/x1');
    await challengeFor(server, '/limited/x2');
    const issued = server.issuer.issued.length;
    const limited = await fetch(`${server.url}/limited/x3`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('10');
    expect(await errorCode(limited)).toBe('RATE_LIMITED');
    expect(server.issuer.issued).toHaveLength(issued);
    // An X-Forwarded-For header is no other client: the app trusts no proxy.
    const spoofed = await fetch(`${server.url}/limited/x4`, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(spoofed.status).toBe(429);
    expect((await challengeFor(server, '/limited/x1')).invoice).toEqual(expect.any(String));
    server.clock.advanceSeconds(10);
    await challengeFor(server, '/limited/x3');
    expect(server.issuer.issued).toHaveLength(issued + 1);
  });

  it('limits uses per token id, and a used token stops being handed out as a challenge', async () => {
    server.clock.advanceSeconds(60);
    const { macaroon, preimage } = await paidToken('/limited/uses');
    const auth = `L402 ${macaroon}:${preimage}`;
    for (let i = 0; i < 3; i += 1) expect((await getWith(server, '/limited/uses', auth)).status).toBe(200);
    const limited = await getWith(server, '/limited/uses', auth);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('10');
    expect((await challengeFor(server, '/limited/uses')).macaroon).not.toBe(macaroon);
  });
});

describe('l402Gate configuration', () => {
  const base = {
    service: 'bounty',
    capability: 'baseline',
    ttlSeconds: DAY,
    mode: 'reusable' as const,
    rootKeys: new InMemoryRootKeyStore(),
    invoices: new FakeInvoiceIssuer(),
  };

  it.each([
    [{ service: 'Bounty' }],
    [{ service: 'a_b' }],
    [{ capability: 'read,write' }],
    [{ capability: '' }],
    [{ ttlSeconds: 0 }],
    [{ tier: -1 }],
  ])('refuses %j at construction', (override) => {
    expect(() => l402Gate({ ...base, ...override })).toThrow(L402ConfigError);
  });

  it.each([[{ sats: 0 }], [{ sats: 1.5 }], [{ sats: 100, resource: 'a b' }]])(
    'refuses a route pricing a request at %j, before any invoice',
    async (price) => {
      const invoices = new FakeInvoiceIssuer();
      const request = { get: () => undefined, ip: '127.0.0.1' } as unknown as Request;
      await expect(l402Gate({ ...base, invoices }).admit(request, price)).rejects.toThrow(L402ConfigError);
      expect(invoices.issued).toHaveLength(0);
    },
  );
});
