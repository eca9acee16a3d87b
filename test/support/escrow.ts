import type { RewardEscrowInput } from '../../workflows/reward-escrow';

/**
 * A reward escrow's input as the tests start one: short windows (override them where a test needs longer), a CLTV
 * budget well inside what the regtest nodes accept, and the coordinator's usual fee limits.
 */
export function testEscrowInput(
  fields: Pick<RewardEscrowInput, 'escrowId' | 'earnerPublicKey' | 'trancheSats'> &
    Partial<RewardEscrowInput>,
): RewardEscrowInput {
  return {
    invoiceWithinSeconds: 60,
    decideWithinSeconds: 120,
    maxInvoiceCltvDelta: 80,
    routingCltvBlocks: 40,
    fees: { ppm: 1_000, baseSats: 1, maxSats: 100 },
    ...fields,
  };
}
