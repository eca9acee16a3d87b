import type { PrismaClient } from '../../generated/prisma/client';
import type { EarnerLiquidityRule, EarnerRefusal } from '../../domain/money/earner-liquidity';
import { refuseEarnerEscrow } from '../../domain/money/earner-liquidity';

export interface EscrowClaim {
  escrowId: string;
  earnerPublicKey: string;
  htlcs: number;
  sats: number;
}

/**
 * The coordinator's liquidity toward each earner node: open escrows' reservations and the penalties of earners that
 * left tranches unresolved. In the database, so a restart forgets neither.
 */
export function earnerLiquidityRepository(prisma: PrismaClient) {
  return {
    /**
     * Reserves the escrow's HTLCs and sats for its earner, or says why not. Safe to repeat: an escrow already
     * reserved stays admitted. Admissions of one earner are serialized, so two escrows cannot both take its last slots.
     */
    async admit(
      claim: EscrowClaim,
      rule: EarnerLiquidityRule,
      now = new Date(),
    ): Promise<EarnerRefusal | null> {
      return prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${claim.earnerPublicKey}))`;
        if (await tx.escrowReservation.findUnique({ where: { escrowId: claim.escrowId } })) return null;
        const [open, penalty] = await Promise.all([
          tx.escrowReservation.aggregate({
            where: { earnerPublicKey: claim.earnerPublicKey, releasedAt: null },
            _sum: { htlcs: true, sats: true },
          }),
          tx.earnerPenalty.findFirst({
            where: { earnerPublicKey: claim.earnerPublicKey, until: { gt: now } },
            orderBy: { until: 'desc' },
          }),
        ]);
        const refusal = refuseEarnerEscrow(
          rule,
          {
            heldHtlcs: open._sum.htlcs ?? 0,
            lockedSats: Number(open._sum.sats ?? 0n),
            penalizedUntilMs: penalty ? penalty.until.getTime() : null,
          },
          { htlcs: claim.htlcs, sats: claim.sats },
          now.getTime(),
        );
        if (refusal) return refusal;
        await tx.escrowReservation.create({
          data: { ...claim, sats: BigInt(claim.sats) },
        });
        return null;
      });
    },

    /** Ends the escrow's reservation (once; a repeat keeps the first release time). */
    async release(escrowId: string, now = new Date()): Promise<void> {
      await prisma.escrowReservation.updateMany({
        where: { escrowId, releasedAt: null },
        data: { releasedAt: now },
      });
    },

    /** Records that the escrow's earner left `unresolvedTranches` unresolved past the decision (once per escrow). */
    async penalize(
      penalty: { escrowId: string; earnerPublicKey: string; unresolvedTranches: number },
      penaltySeconds: number,
      now = new Date(),
    ): Promise<void> {
      await prisma.earnerPenalty.createMany({
        data: [{ ...penalty, recordedAt: now, until: new Date(now.getTime() + penaltySeconds * 1000) }],
        skipDuplicates: true,
      });
    },

    penalties(earnerPublicKey: string) {
      return prisma.earnerPenalty.findMany({ where: { earnerPublicKey }, orderBy: { recordedAt: 'asc' } });
    },

    reservation(escrowId: string) {
      return prisma.escrowReservation.findUnique({ where: { escrowId } });
    },
  };
}

export type EarnerLiquidityRepository = ReturnType<typeof earnerLiquidityRepository>;
