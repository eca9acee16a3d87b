import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Database } from '../../db/client';
import { openDatabase } from '../../db/client';

const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A brand-new database on the real PostgreSQL server, migrated; `drop()` removes it. */
export async function freshPostgres(): Promise<Database & { url: string; drop(): Promise<void> }> {
  const name = `l402_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: 'postgres', url: url.toString() });
  return {
    ...db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
