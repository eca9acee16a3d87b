import { escrowReserveSats } from '../../../../domain/money/escrow-reserve';

const fees = { ppm: 1_000, baseSats: 1, maxSats: 100 };

describe('escrowReserveSats', () => {
  it.each([
    [2_000, 4, 2_004],
    [1_000, 2, 1_002],
    [1_000_000, 2, 1_000_000 + 2 * 100],
    [10, 3, 13],
  ])('a cap of %s sats in %s tranches reserves %s sats', (capSats, trancheCount, reserve) => {
    expect(
      escrowReserveSats({ kind: 'linear-capped', capSats, rateSatsPerUnit: 1, trancheCount }, fees),
    ).toBe(reserve);
  });
});
