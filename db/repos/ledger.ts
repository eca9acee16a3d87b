import type { PrismaClient } from '../../generated/prisma/client';
import type {
  LedgerEntry,
  LedgerFlag,
  PaymentDirection,
  PaymentPurpose,
  PaymentState,
} from '../../generated/prisma/client';

export type { LedgerEntry, LedgerFlag, PaymentDirection, PaymentPurpose, PaymentState };

export interface NewLedgerEntry {
  paymentHash: string;
  direction: PaymentDirection;
  purpose: PaymentPurpose;
  amountSats: bigint;
  state: PaymentState;
  workflowId: string;
  memo?: string;
}

export const FINAL_STATES: PaymentState[] = ['SETTLED', 'CANCELED', 'FAILED'];

/** Ledger rows keyed by (payment hash, direction): every write is idempotent, so activity retries are no-ops. */
export function ledgerRepository(prisma: PrismaClient) {
  return {
    /** Creates the row, or returns the existing one for the same payment hash and direction. */
    async record(entry: NewLedgerEntry): Promise<LedgerEntry> {
      return prisma.ledgerEntry.upsert({
        where: { paymentHash_direction: { paymentHash: entry.paymentHash, direction: entry.direction } },
        create: { ...entry, memo: entry.memo ?? '' },
        update: {},
      });
    },

    /** Moves a row to `state`; a row already in a final state keeps it (LND's final states never change). */
    async markState(
      paymentHash: string,
      direction: PaymentDirection,
      state: PaymentState,
      details: { feeSats?: bigint; at?: Date } = {},
    ): Promise<LedgerEntry> {
      const at = details.at ?? new Date();
      return prisma.$transaction(async (tx) => {
        const current = await tx.ledgerEntry.findUniqueOrThrow({
          where: { paymentHash_direction: { paymentHash, direction } },
        });
        if (current.state === state || FINAL_STATES.includes(current.state)) return current;
        return tx.ledgerEntry.update({
          where: { id: current.id },
          data: {
            state,
            ...(details.feeSats === undefined ? {} : { feeSats: details.feeSats }),
            ...(state === 'HELD' ? { heldAt: at } : {}),
            ...(FINAL_STATES.includes(state) ? { finalAt: at } : {}),
          },
        });
      });
    },

    find(paymentHash: string, direction: PaymentDirection): Promise<LedgerEntry | null> {
      return prisma.ledgerEntry.findUnique({ where: { paymentHash_direction: { paymentHash, direction } } });
    },

    /** Rows of these purposes still open, held or in flight: each may be occupying an HTLC slot. */
    countLive(purposes: PaymentPurpose[]): Promise<number> {
      return prisma.ledgerEntry.count({
        where: { purpose: { in: purposes }, state: { notIn: FINAL_STATES } },
      });
    },

    listNonFinal(): Promise<LedgerEntry[]> {
      return prisma.ledgerEntry.findMany({
        where: { state: { notIn: FINAL_STATES } },
        orderBy: { createdAt: 'asc' },
      });
    },

    listAll(): Promise<LedgerEntry[]> {
      return prisma.ledgerEntry.findMany({ orderBy: { createdAt: 'asc' } });
    },

    /** Flags a final row LND contradicts, for an operator; the row itself is left as it is. Idempotent. */
    async flag(
      row: Pick<LedgerEntry, 'paymentHash' | 'direction' | 'state'>,
      lndState: string,
    ): Promise<LedgerFlag> {
      return prisma.ledgerFlag.upsert({
        where: { paymentHash_direction: { paymentHash: row.paymentHash, direction: row.direction } },
        create: { paymentHash: row.paymentHash, direction: row.direction, ledgerState: row.state, lndState },
        update: {},
      });
    },

    listFlags(): Promise<LedgerFlag[]> {
      return prisma.ledgerFlag.findMany({ orderBy: { createdAt: 'asc' } });
    },
  };
}

export type LedgerRepository = ReturnType<typeof ledgerRepository>;
