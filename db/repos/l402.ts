import { randomBytes } from 'node:crypto';
import type { RootKeyStore, TokenSpends } from '../stores';
import type { PrismaClient } from '../../generated/prisma/client';

/** One fresh root key per token id; deleting the row revokes the token. Keys are never logged. */
export function prismaRootKeyStore(prisma: PrismaClient): RootKeyStore {
  return {
    async create(tokenId) {
      const rootKey = randomBytes(32);
      await prisma.l402RootKey.create({ data: { tokenId, rootKey } });
      return rootKey;
    },
    async get(tokenId) {
      const row = await prisma.l402RootKey.findUnique({ where: { tokenId } });
      return row ? Buffer.from(row.rootKey) : null;
    },
    async revoke(tokenId) {
      await prisma.l402RootKey.deleteMany({ where: { tokenId } });
    },
  };
}

/** "Spend once" is the insert of a row under a primary key: of concurrent spends exactly one succeeds. */
export function prismaTokenSpends(prisma: PrismaClient): TokenSpends {
  return {
    async consumeOnce(tokenId, scope) {
      const inserted = await prisma.l402TokenSpend.createMany({
        data: [{ tokenId, scope }],
        skipDuplicates: true,
      });
      return inserted.count === 1;
    },
  };
}
