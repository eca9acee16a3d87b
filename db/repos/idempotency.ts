import type { IdempotencyClaim, IdempotencyStore } from '../stores';
import type { Prisma, PrismaClient } from '../../generated/prisma/client';

/**
 * Idempotency keys in the database: the claim is the insert of a row under (scope, key), so of concurrent first
 * requests exactly one runs; a claim whose lease ran out (its process died) is taken over by one repeat.
 */
export function prismaIdempotencyStore(prisma: PrismaClient): IdempotencyStore {
  const where = (scope: string, key: string) => ({ scope_key: { scope, key } });
  return {
    async claim(scope, key, requestHash, leaseMs): Promise<IdempotencyClaim> {
      for (;;) {
        const lockedUntil = new Date(Date.now() + leaseMs);
        const inserted = await prisma.idempotentRequest.createMany({
          data: [{ scope, key, requestHash, lockedUntil }],
          skipDuplicates: true,
        });
        if (inserted.count === 1) return { kind: 'claimed' };
        const row = await prisma.idempotentRequest.findUnique({ where: where(scope, key) });
        if (!row) continue; // released between the insert and the read: claim again
        if (row.status !== null) {
          return { kind: 'answered', requestHash: row.requestHash, status: row.status, body: row.response };
        }
        if (row.requestHash === requestHash && row.lockedUntil.getTime() < Date.now()) {
          const taken = await prisma.idempotentRequest.updateMany({
            where: { scope, key, status: null, lockedUntil: row.lockedUntil },
            data: { lockedUntil },
          });
          if (taken.count === 1) return { kind: 'claimed' };
        }
        return { kind: 'in-flight', requestHash: row.requestHash };
      }
    },
    async complete(scope, key, status, body) {
      await prisma.idempotentRequest.update({
        where: where(scope, key),
        data: { status, response: body as Prisma.InputJsonValue },
      });
    },
    async release(scope, key) {
      await prisma.idempotentRequest.deleteMany({ where: { scope, key, status: null } });
    },
    async sweep(before) {
      return (await prisma.idempotentRequest.deleteMany({ where: { createdAt: { lt: before } } })).count;
    },
  };
}
