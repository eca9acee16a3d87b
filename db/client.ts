import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client';
import type { DatabaseConfig } from './config';
import { applyMigrations } from './migrate';
import { pgSession, pgliteSession } from './sql';

export type { PrismaClient };

export interface Database {
  prisma: PrismaClient;
  close(): Promise<void>;
}

/** Opens the database and brings its schema up to date; PGlite runs in this process. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.kind === 'postgres') {
    const client = new Client({ connectionString: config.url });
    await client.connect();
    try {
      await applyMigrations(pgSession(client));
    } finally {
      await client.end();
    }
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: config.url }) });
    return { prisma, close: () => prisma.$disconnect() };
  }
  if (config.kind === 'pglite') mkdirSync(config.dataDir, { recursive: true });
  const pglite = config.kind === 'pglite' ? new PGlite(config.dataDir) : new PGlite();
  await applyMigrations(pgliteSession(pglite));
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
