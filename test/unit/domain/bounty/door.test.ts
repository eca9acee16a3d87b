import { bountyDoorRefusal } from '../../../../domain/bounty';
import type { BountyDoor } from '../../../../domain/bounty';

const open: BountyDoor = {
  phase: 'OPEN',
  closing: false,
  poolSats: 2_004,
  reservedSats: 1_002,
  reserveSats: 1_002,
};

describe('bountyDoorRefusal', () => {
  it('takes a submission while the pool covers one more reserve', () => {
    expect(bountyDoorRefusal(open)).toBeNull();
  });

  it.each([
    ['unfunded', { phase: 'CREATED' as const }, 'BOUNTY_NOT_OPEN'],
    ['funded, its baseline not yet scored', { phase: 'FUNDED' as const }, 'BOUNTY_NOT_OPEN'],
    ['being closed by its sponsor', { closing: true }, 'BOUNTY_NOT_OPEN'],
    ['closed', { phase: 'CLOSED' as const }, 'BOUNTY_NOT_OPEN'],
    ['one sat short of a reserve', { reservedSats: 1_003 }, 'BOUNTY_POOL_EXHAUSTED'],
    ['a pool smaller than one reserve', { poolSats: 1_001, reservedSats: 0 }, 'BOUNTY_POOL_EXHAUSTED'],
  ])('refuses a bounty %s', (_case, change, code) => {
    expect(bountyDoorRefusal({ ...open, ...change })).toBe(code);
  });
});
