import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Prisma } from '../../../generated/prisma/client';
import type { Database } from '../../../db/client';
import { openDatabase } from '../../../db/client';
import { applyMigrations, MigrationChecksumError, readMigrations } from '../../../db/migrate';
import { ledgerRepository } from '../../../db/repos/ledger';
import { pgliteSession } from '../../../db/sql';
import { freshPostgres } from '../../support/database';

/** Columns the generated client expects, per model, from the client's own field enums. */
const expectedColumns: Record<string, string[]> = {
  LedgerEntry: Object.values(Prisma.LedgerEntryScalarFieldEnum),
  LedgerFlag: Object.values(Prisma.LedgerFlagScalarFieldEnum),
  L402RootKey: Object.values(Prisma.L402RootKeyScalarFieldEnum),
  L402TokenSpend: Object.values(Prisma.L402TokenSpendScalarFieldEnum),
  RevealedPreimage: Object.values(Prisma.RevealedPreimageScalarFieldEnum),
  Blob: Object.values(Prisma.BlobScalarFieldEnum),
  Checkpoint: Object.values(Prisma.CheckpointScalarFieldEnum),
  TrainingSubmission: Object.values(Prisma.TrainingSubmissionScalarFieldEnum),
  Bounty: Object.values(Prisma.BountyScalarFieldEnum),
  BountySubmission: Object.values(Prisma.BountySubmissionScalarFieldEnum),
};

async function columnsOf(db: Database, table: string): Promise<string[]> {
  const rows = await db.prisma.$queryRaw<{ column_name: string }[]>`
    SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${table}`;
  return rows.map((row) => row.column_name).sort();
}

async function writeAndReadEveryField(db: Database): Promise<void> {
  const entry = {
    paymentHash: 'ab'.repeat(32),
    direction: 'OUTGOING' as const,
    purpose: 'REWARD_ESCROW' as const,
    amountSats: 2_100_000_000_000_000n,
    feeSats: 7n,
    state: 'IN_FLIGHT' as const,
    workflowId: 'wf/1',
    memo: 'every field',
    heldAt: new Date('2026-01-02T03:04:05.678Z'),
    finalAt: new Date('2026-01-02T03:04:06.789Z'),
  };
  const created = await db.prisma.ledgerEntry.create({ data: entry });
  const read = await db.prisma.ledgerEntry.findUniqueOrThrow({ where: { id: created.id } });
  expect(read).toMatchObject(entry);
  expect(read.createdAt).toBeInstanceOf(Date);
  expect(read.updatedAt).toBeInstanceOf(Date);
  await expect(
    db.prisma.ledgerEntry.create({ data: { ...entry, memo: 'same hash and direction' } }),
  ).rejects.toThrow(/Unique constraint/);
}

describe.each([
  [
    'PGlite',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'l402-pglite-'));
      const db = await openDatabase({ kind: 'pglite', dataDir: dir });
      return { db, drop: async () => (await db.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const db = await freshPostgres();
      return { db, drop: () => db.drop() };
    },
  ],
])('migrations on a fresh %s database', (_kind, open) => {
  let db: Database;
  let drop: () => Promise<unknown>;

  beforeAll(async () => {
    ({ db, drop } = await open());
  });
  afterAll(() => drop());

  it.each(Object.entries(expectedColumns))(
    'create every column the client knows for %s',
    async (table, columns) => {
      expect(await columnsOf(db, table)).toEqual([...columns].sort());
    },
  );

  it('stores and returns every field through the generated client', () => writeAndReadEveryField(db));

  it('ledger writes are idempotent per payment hash and direction, and final states stick', async () => {
    const ledger = ledgerRepository(db.prisma);
    const entry = {
      paymentHash: 'cd'.repeat(32),
      direction: 'INCOMING' as const,
      purpose: 'STAKE' as const,
      amountSats: 500n,
      state: 'OPEN' as const,
      workflowId: 'wf/2',
    };
    const first = await ledger.record(entry);
    expect(await ledger.record({ ...entry, amountSats: 999n })).toEqual(first);
    await ledger.markState(entry.paymentHash, 'INCOMING', 'HELD');
    await ledger.markState(entry.paymentHash, 'INCOMING', 'CANCELED');
    const final = await ledger.markState(entry.paymentHash, 'INCOMING', 'SETTLED');
    expect(final).toMatchObject({ state: 'CANCELED', amountSats: 500n });
    expect(final.heldAt).not.toBeNull();
    expect(final.finalAt).not.toBeNull();
  });
});

describe('the migration runner', () => {
  it('applies each migration once and refuses one edited after it was applied', async () => {
    const pglite = new PGlite();
    const session = pgliteSession(pglite);
    const migrations = readMigrations();
    expect(await applyMigrations(session, migrations)).toEqual(migrations.map((m) => m.name));
    expect(await applyMigrations(session, migrations)).toEqual([]);

    const [first, ...rest] = migrations;
    const edited = [{ ...first!, checksum: '0'.repeat(64) }, ...rest];
    await expect(applyMigrations(session, edited)).rejects.toBeInstanceOf(MigrationChecksumError);
    await pglite.close();
  });

  it('moves the bytes kept beside checkpoints and submissions into blobs under the same hashes', async () => {
    const pglite = new PGlite();
    const session = pgliteSession(pglite);
    const migrations = readMigrations();
    const blobs = migrations.findIndex((m) => m.name.endsWith('_blobs'));
    await applyMigrations(session, migrations.slice(0, blobs));
    const weights = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const payload = Buffer.from('a payload');
    const hashOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    await pglite.query(
      `INSERT INTO "Checkpoint" ("hash", "runId", "round", "weights") VALUES ($1, 'run', 0, $2)`,
      [hashOf(weights), weights],
    );
    await pglite.query(
      `INSERT INTO "TrainingSubmission" ("submissionId", "runId", "round", "peerId", "payloadHash", "payload",
         "accepted", "reason", "revealed", "paidSats") VALUES ('s', 'run', 0, 'alice', $1, $2, true, 'x', 0, 0)`,
      [hashOf(payload), payload],
    );
    await applyMigrations(session, migrations);
    const moved = await pglite.query<{ sha256: string; bytes: Uint8Array; sizeBytes: number }>(
      `SELECT "sha256", "bytes", "sizeBytes" FROM "Blob" ORDER BY "sizeBytes"`,
    );
    expect(moved.rows.map((row) => [row.sha256, Buffer.from(row.bytes), row.sizeBytes])).toEqual([
      [hashOf(weights), weights, 8],
      [hashOf(payload), payload, 9],
    ]);
    await pglite.close();
  });

  it('rolls back a failing migration completely', async () => {
    const pglite = new PGlite();
    const session = pgliteSession(pglite);
    const broken = [
      { name: '0_broken', checksum: 'x', sql: 'CREATE TABLE "Half" (id INT); SELECT * FROM missing_table;' },
    ];
    await expect(applyMigrations(session, broken)).rejects.toThrow(/missing_table/);
    const tables = await session.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'Half'`,
    );
    expect(tables[0]?.n).toBe(0);
    await pglite.close();
  });
});
