import path from 'node:path';
import { z } from 'zod';

export type DatabaseConfig =
  { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string } | { kind: 'pglite-memory' };

const DatabaseUrl = z
  .string()
  .regex(
    /^(postgres(ql)?:\/\/|pglite:|memory:)/,
    'DATABASE_URL must start with postgres://, postgresql://, pglite: or memory:',
  );

/**
 * `DATABASE_URL=postgres://…` uses a PostgreSQL server; unset (the embedded default) keeps PGlite files under
 * the data dir; `pglite:<dir>` picks the PGlite directory and `memory:` an in-memory PGlite.
 */
export function databaseConfigFrom(url: string | undefined, dataDir: string): DatabaseConfig {
  if (url === undefined || url === '') return { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') };
  const parsed = DatabaseUrl.parse(url);
  if (parsed.startsWith('memory:')) return { kind: 'pglite-memory' };
  if (parsed.startsWith('pglite:'))
    return { kind: 'pglite', dataDir: path.resolve(parsed.slice('pglite:'.length)) };
  return { kind: 'postgres', url: parsed };
}
