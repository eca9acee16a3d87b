import { z } from 'zod';
import { createApp } from '../../../api/app';
import { listen } from '../../../api/listen';
import type { ApiRoute } from '../../../api/route';
import { defineRoute } from '../../../api/route';
import { ApiError } from '../../../api/errors';
import { TEST_STATUS } from '../../support/route-table';

/** Serves `routes` on an ephemeral port for one test body; `logged` collects what the error middleware logs. */
async function serving(routes: ApiRoute[], body: (url: string, logged: string[]) => Promise<void>) {
  const logged: string[] = [];
  const app = createApp({
    status: TEST_STATUS,
    routes,
    log: (message, err) => logged.push(`${message}: ${String(err)}`),
  });
  const server = await listen(app, 0, '127.0.0.1');
  try {
    await body(`http://127.0.0.1:${(server.address() as { port: number }).port}`, logged);
  } finally {
    server.close();
  }
}

describe('a route answering outside its schema', () => {
  it('is a masked 500, logged, and never sends the answer', async () => {
    const route = defineRoute({
      method: 'get',
      path: '/broken/{id}',
      tag: 'discovery',
      summary: 'answers a string where its schema says a number',
      params: z.object({ id: z.string() }),
      response: { status: 200, body: z.object({ n: z.number() }) },
      handler: async ({ params }) => ({ n: params.id }) as unknown as { n: number },
    });
    await serving([route], async (url, logged) => {
      const response = await fetch(`${url}/broken/x`);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
      expect(logged.join('\n')).toContain('GET /broken/{id} answered outside its schema');
    });
  });
});

describe('a route counted per client', () => {
  it('serves a client its burst, then answers 429 with Retry-After; a request its precheck refuses is not counted', async () => {
    let served = 0;
    const route = defineRoute({
      method: 'post',
      path: '/work',
      tag: 'bounties',
      summary: 'starts work',
      body: z.object({ ok: z.boolean() }),
      response: { status: 201, body: z.object({ served: z.number() }) },
      precheck: async ({ body }) => {
        if (!body.ok) throw new ApiError('INVALID_INPUT', 'not ok');
      },
      perClient: { limit: { burst: 2, perMinute: 1 }, what: 'work started from this client' },
      handler: async () => ({ served: ++served }),
    });
    await serving([route], async (url) => {
      const post = (ok: boolean) =>
        fetch(`${url}/work`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ok }),
        });
      expect((await post(false)).status).toBe(400);
      const burstAt = Date.now();
      expect([(await post(true)).status, (await post(true)).status]).toEqual([201, 201]);
      const limited = await post(true);
      expect(limited.status).toBe(429);
      // Whole seconds until the next token (one a minute, counted from the burst): 60 less what has passed since.
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(retryAfter).toBeGreaterThanOrEqual(Math.floor(60 - (Date.now() - burstAt) / 1000));
      expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      expect(served).toBe(2);
    });
  });
});
