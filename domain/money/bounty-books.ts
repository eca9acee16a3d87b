/** The ledger fields the bounty books need (a `LedgerEntry` fits). */
export interface BookRow {
  direction: 'INCOMING' | 'OUTGOING';
  purpose: string;
  amountSats: bigint;
  feeSats: bigint;
  state: string;
}

export interface BountyBooks {
  funded: bigint;
  paidOut: bigint;
  refunded: bigint;
  fees: bigint;
  /** What the bounty still holds: what was funded less everything that left it. */
  pool: bigint;
}

const settled = (row: BookRow) => row.state === 'SETTLED';
const total = (rows: BookRow[], value: (row: BookRow) => bigint) =>
  rows.reduce((sum, row) => sum + value(row), 0n);

/**
 * Invariant I4 for one bounty, from its settled ledger rows: funded = paid out + refunded + pool + fees.
 * Only settled rows count; a failed or cancelled payment moved nothing. Pure.
 */
export function bountyBooks(rows: BookRow[]): BountyBooks {
  const done = rows.filter(settled);
  const funded = total(
    done.filter((row) => row.direction === 'INCOMING' && row.purpose === 'BOUNTY_FUNDING'),
    (row) => row.amountSats,
  );
  const outgoing = (purpose: string) =>
    done.filter((row) => row.direction === 'OUTGOING' && row.purpose === purpose);
  const paidOut = total(outgoing('REWARD_ESCROW'), (row) => row.amountSats);
  const refunded = total(outgoing('REFUND'), (row) => row.amountSats);
  const fees = total(
    done.filter((row) => row.direction === 'OUTGOING'),
    (row) => row.feeSats,
  );
  return { funded, paidOut, refunded, fees, pool: funded - paidOut - refunded - fees };
}

/** True when the books balance against the pool the bounty reports: funded = paid out + refunded + pool + fees. */
export function booksBalance(books: BountyBooks, reportedPoolSats: bigint): boolean {
  return (
    books.pool === reportedPoolSats &&
    books.funded === books.paidOut + books.refunded + books.pool + books.fees
  );
}
