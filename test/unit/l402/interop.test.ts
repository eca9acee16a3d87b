import { decodeInvoice, fetchWithL402 } from '@getalby/lightning-tools';

import { challengeFor, startServer, type TestServer } from './harness';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({
    '/baseline': {
      service: 'bounty',
      capability: 'baseline',
      priceSats: 21,
      ttlSeconds: 3_600,
      mode: 'reusable',
    },
    '/job': { service: 'bounty', capability: 'job', priceSats: 5, ttlSeconds: 3_600, mode: 'once' },
  });
});

afterAll(() => server.close());

/** A wallet in the shape fetchWithL402 pays through, paying the fake issuer's invoices. */
function fakeWallet() {
  const paid: string[] = [];
  return {
    paid,
    payInvoice: async ({ invoice }: { invoice: string }) => {
      paid.push(invoice);
      return { preimage: server.issuer.pay(invoice).toString('hex') };
    },
  };
}

describe('interop with @getalby/lightning-tools fetchWithL402', () => {
  it('decodes our invoices: amount and payment hash', async () => {
    const { invoice } = await challengeFor(server, '/baseline');
    expect(decodeInvoice(invoice)).toMatchObject({
      satoshi: 21,
      paymentHash: server.issuer.issued.at(-1)?.paymentHash,
    });
  });

  it('pays the challenge and gets the resource, then reuses the credentials without paying again', async () => {
    const wallet = fakeWallet();
    const first = await fetchWithL402(`${server.url}/baseline`, {}, { wallet });
    expect(first.status).toBe(200);
    expect(first.payment).toMatchObject({ paid: true, amountSat: 21 });
    expect(wallet.paid).toHaveLength(1);

    const again = await fetchWithL402(
      `${server.url}/baseline`,
      {},
      { wallet, credentials: first.payment!.credentials },
    );
    expect(again.status).toBe(200);
    expect(wallet.paid).toHaveLength(1);
  });

  it('cannot reuse the credentials of a pay-per-job token', async () => {
    const wallet = fakeWallet();
    const first = await fetchWithL402(`${server.url}/job`, {}, { wallet });
    expect(first.status).toBe(200);
    const again = await fetchWithL402(
      `${server.url}/job`,
      {},
      { wallet, credentials: first.payment!.credentials },
    );
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error: { code: 'L402_TOKEN_SPENT' } });
    expect(wallet.paid).toHaveLength(1);
  });
});
