import type { PrismaClient } from '../../generated/prisma/client';

export interface RevealedPreimageRow {
  paymentHash: string;
  tranche: number;
  preimage: string;
}

/** Preimages the coordinator has released to an earner; written only after the reveal decision is in history. */
export function revealedPreimagesRepository(prisma: PrismaClient) {
  return {
    async reveal(escrowId: string, rows: RevealedPreimageRow[]): Promise<void> {
      await prisma.revealedPreimage.createMany({
        data: rows.map((row) => ({ ...row, escrowId })),
        skipDuplicates: true,
      });
    },

    async list(escrowId: string): Promise<RevealedPreimageRow[]> {
      return prisma.revealedPreimage.findMany({
        where: { escrowId },
        orderBy: { tranche: 'asc' },
        select: { paymentHash: true, tranche: true, preimage: true },
      });
    },
  };
}

export type RevealedPreimagesRepository = ReturnType<typeof revealedPreimagesRepository>;
