import type { Bounty, BountySubmission, LedgerEntry, PrismaClient } from '../../generated/prisma/client';

export type { Bounty, BountySubmission };

export type BountyPhase = 'CREATED' | 'FUNDED' | 'OPEN' | 'CLOSING' | 'CLOSED';
export type SubmissionStatus = 'PENDING' | 'ACCEPTED' | 'REJECTED';

export interface NewBounty {
  id: string;
  bundle: string;
  title: string;
  description: string;
  metricName: string;
  direction: string;
  allowedFiles: string[];
  maxDiffBytes: number;
  baselineFiles: Record<string, string>;
  heldOutHash: string;
  budgetSats: number;
  payoutRule: object;
  stakeSats: number;
  baselineFeeSats: number;
  sponsorPublicKey: string;
  closeTokenHash: string;
  deadline: Date;
}

export interface BountyProgress {
  phase?: BountyPhase;
  baselineScore?: number;
  bestScore?: number;
  baselineFiles?: Record<string, string>;
  poolSats?: number;
  paidSats?: number;
  feeSats?: number;
  refundedSats?: number;
}

export interface SubmissionRecord {
  id: string;
  bountyId: string;
  escrowId: string;
  agentPublicKey: string;
  diffHash: string;
  claimedScore: number;
  stakeHash: string | null;
  status: SubmissionStatus;
  reason?: string;
  publicScore?: number | null;
  heldOutScore?: number | null;
  improvement?: number | null;
  payoutSats?: number;
  stakeOutcome?: string;
  /** How the evals' limits were enforced (see activities/sandbox/limits-mode.ts); null when no eval ran. */
  limitsMode?: string | null;
}

export interface BountyFilter {
  phase?: BountyPhase;
  bundle?: string;
  limit: number;
}

const big = (sats: number | undefined) => (sats === undefined ? undefined : BigInt(sats));

/** Bounties and their submissions; every write is an upsert on the id, so activity retries are no-ops. */
export function bountyRepository(prisma: PrismaClient) {
  return {
    async create(bounty: NewBounty): Promise<void> {
      const data = {
        ...bounty,
        budgetSats: BigInt(bounty.budgetSats),
        stakeSats: BigInt(bounty.stakeSats),
        baselineFeeSats: BigInt(bounty.baselineFeeSats),
        phase: 'CREATED',
      };
      await prisma.bounty.upsert({ where: { id: bounty.id }, create: data, update: {} });
    },

    async progress(id: string, progress: BountyProgress): Promise<void> {
      const { poolSats, paidSats, feeSats, refundedSats, ...rest } = progress;
      await prisma.bounty.update({
        where: { id },
        data: {
          ...rest,
          ...(poolSats === undefined ? {} : { poolSats: big(poolSats) }),
          ...(paidSats === undefined ? {} : { paidSats: big(paidSats) }),
          ...(feeSats === undefined ? {} : { feeSats: big(feeSats) }),
          ...(refundedSats === undefined ? {} : { refundedSats: big(refundedSats) }),
        },
      });
    },

    async recordSubmission(record: SubmissionRecord): Promise<void> {
      const data = { ...record, payoutSats: BigInt(record.payoutSats ?? 0) };
      await prisma.bountySubmission.upsert({ where: { id: record.id }, create: data, update: data });
    },

    find(id: string): Promise<Bounty | null> {
      return prisma.bounty.findUnique({ where: { id } });
    },

    list(filter: BountyFilter): Promise<Bounty[]> {
      return prisma.bounty.findMany({
        where: {
          ...(filter.phase ? { phase: filter.phase } : {}),
          ...(filter.bundle ? { bundle: filter.bundle } : {}),
        },
        orderBy: { createdAt: 'desc' },
        take: filter.limit,
      });
    },

    findSubmission(bountyId: string, id: string): Promise<BountySubmission | null> {
      return prisma.bountySubmission.findFirst({ where: { id, bountyId } });
    },

    submissions(bountyId: string): Promise<BountySubmission[]> {
      return prisma.bountySubmission.findMany({ where: { bountyId }, orderBy: { createdAt: 'asc' } });
    },

    /** Accepted submissions, best held-out score first in the bounty's direction. */
    async leaderboard(bounty: Pick<Bounty, 'id' | 'direction'>): Promise<BountySubmission[]> {
      return prisma.bountySubmission.findMany({
        where: { bountyId: bounty.id, status: 'ACCEPTED' },
        orderBy: [{ heldOutScore: bounty.direction === 'higher' ? 'desc' : 'asc' }, { createdAt: 'asc' }],
      });
    },

    /** Every ledger row of a bounty's money: its funding and refund, and its submissions' reward escrows. */
    async ledgerRows(bountyId: string, workflowIds: { bounty: string; escrow: (id: string) => string }) {
      const escrows = await prisma.bountySubmission.findMany({
        where: { bountyId },
        select: { escrowId: true },
      });
      return prisma.ledgerEntry.findMany({
        where: {
          workflowId: { in: [workflowIds.bounty, ...escrows.map((s) => workflowIds.escrow(s.escrowId))] },
        },
      }) as Promise<LedgerEntry[]>;
    },
  };
}

export type BountyRepository = ReturnType<typeof bountyRepository>;
