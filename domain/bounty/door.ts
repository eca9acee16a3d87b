/** What a bounty's door looks at: its phase, whether its sponsor is closing it, and its pool. */
export interface BountyDoor {
  phase: 'CREATED' | 'FUNDED' | 'OPEN' | 'CLOSING' | 'CLOSED';
  closing: boolean;
  poolSats: number;
  /** Sats set aside for submissions queued or being validated. */
  reservedSats: number;
  /** What one more submission sets aside: its reward cap and the fee limits of its tranches. */
  reserveSats: number;
}

export type BountyDoorRefusal = 'BOUNTY_NOT_OPEN' | 'BOUNTY_POOL_EXHAUSTED';

/**
 * Why a bounty takes no more submissions now, as a stable code (the API answers 409 with it). Pure, so the API
 * checks it before it asks for a stake or stores a byte, and the bounty's update validator checks it again in
 * history.
 */
export function bountyDoorRefusal(door: BountyDoor): BountyDoorRefusal | null {
  if (door.phase !== 'OPEN' || door.closing) return 'BOUNTY_NOT_OPEN';
  if (door.poolSats - door.reservedSats < door.reserveSats) return 'BOUNTY_POOL_EXHAUSTED';
  return null;
}
