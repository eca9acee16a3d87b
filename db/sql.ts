import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';

/** The little SQL surface the migrator needs, over either PGlite or a PostgreSQL server connection. */
export interface SqlSession {
  exec(sql: string): Promise<void>;
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs `work` in one transaction: all of it commits or none does. */
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
}

export function pgliteSession(db: PGlite): SqlSession {
  return {
    exec: async (sql) => {
      await db.exec(sql);
    },
    query: async <Row>(sql: string, params: unknown[] = []) => (await db.query<Row>(sql, params)).rows,
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          exec: async (sql) => {
            await tx.exec(sql);
          },
          query: async <Row>(sql: string, params: unknown[] = []) => (await tx.query<Row>(sql, params)).rows,
          transaction: () => Promise.reject(new Error('nested transactions are not supported')),
        }),
      ),
  };
}

export function pgSession(client: Client): SqlSession {
  const session: SqlSession = {
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async <Row>(sql: string, params: unknown[] = []) =>
      (await client.query(sql, params)).rows as Row[],
    transaction: async (work) => {
      await client.query('BEGIN');
      try {
        const result = await work(session);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    },
  };
  return session;
}
