import type { BookRow } from '../../../../domain/money/bounty-books';
import { booksBalance, bountyBooks } from '../../../../domain/money/bounty-books';

const row = (overrides: Partial<BookRow>): BookRow => ({
  direction: 'OUTGOING',
  purpose: 'REWARD_ESCROW',
  amountSats: 0n,
  feeSats: 0n,
  state: 'SETTLED',
  ...overrides,
});

describe('bountyBooks (I4)', () => {
  const rows: BookRow[] = [
    row({ direction: 'INCOMING', purpose: 'BOUNTY_FUNDING', amountSats: 10_000n }),
    row({ amountSats: 1_500n, feeSats: 2n }),
    row({ amountSats: 500n, state: 'FAILED' }),
    row({ amountSats: 2_000n, state: 'FAILED', feeSats: 0n }),
    row({ purpose: 'REFUND', amountSats: 8_480n, feeSats: 1n }),
    row({ direction: 'INCOMING', purpose: 'STAKE', amountSats: 100n }),
  ];

  it('counts only settled rows and leaves the rest in the pool', () => {
    expect(bountyBooks(rows)).toEqual({
      funded: 10_000n,
      paidOut: 1_500n,
      refunded: 8_480n,
      fees: 3n,
      pool: 17n,
    });
  });

  it.each([
    [17n, true],
    [0n, false],
    [18n, false],
  ])('balances against a reported pool of %s sats: %s', (pool, balanced) => {
    expect(booksBalance(bountyBooks(rows), pool)).toBe(balanced);
  });

  it('an unfunded bounty has empty books', () => {
    expect(
      bountyBooks([row({ direction: 'INCOMING', purpose: 'BOUNTY_FUNDING', amountSats: 5n, state: 'OPEN' })]),
    ).toEqual({ funded: 0n, paidOut: 0n, refunded: 0n, fees: 0n, pool: 0n });
  });
});
