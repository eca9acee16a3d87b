import express from 'express';
import type { Server } from 'node:http';
import { idempotencyMiddleware } from '../../../api/idempotency';
import { listen } from '../../../api/listen';
import { prismaIdempotencyStore } from '../../../db/repos/idempotency';
import { freshPostgres } from '../../support/database';
import { eventually } from '../../support/workflows';

// Anyone may send POSTs with fresh Idempotency-Keys: the kept answers must not grow without bound.
const HOUR = 3_600_000;
let db: Awaited<ReturnType<typeof freshPostgres>>;
let server: Server;
let url: string;
let runs = 0;

beforeAll(async () => {
  db = await freshPostgres();
  const app = express();
  app.use(express.json());
  app.use(
    idempotencyMiddleware(prismaIdempotencyStore(db.prisma), { retentionMs: 24 * HOUR, sweepEveryMs: 0 }),
  );
  app.post('/things', (_req, res) => {
    runs += 1;
    res.status(201).json({ run: runs });
  });
  server = await listen(app, 0, '127.0.0.1');
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/things`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.drop();
});

const post = async (key: string) =>
  (await (
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: '{"n":1}',
    })
  ).json()) as { run: number };

describe('kept Idempotency-Key answers', () => {
  it('are replayed within the retention, swept after it, and the swept key runs afresh', async () => {
    const first = await post('key-old-00000001');
    expect(await post('key-old-00000001')).toEqual(first);
    await post('key-fresh-0000001');

    await db.prisma.idempotentRequest.updateMany({
      where: { key: 'key-old-00000001' },
      data: { createdAt: new Date(Date.now() - 25 * HOUR) },
    });
    await post('key-trigger-00001');
    await eventually(
      'the old key to be swept',
      async () => (await db.prisma.idempotentRequest.count({ where: { key: 'key-old-00000001' } })) === 0,
    );
    const keys = (await db.prisma.idempotentRequest.findMany()).map((row) => row.key).sort();
    expect(keys).toEqual(['key-fresh-0000001', 'key-trigger-00001']);
    expect((await post('key-old-00000001')).run).toBeGreaterThan(first.run);
  });
});
