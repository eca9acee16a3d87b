import type { Client, WorkflowHandle } from '@temporalio/client';
import { TASK_QUEUES } from '../../temporal-config';
import { rewardEscrow } from '../../workflows';
import { escrowStatusQuery, escrowWorkflowId } from '../../workflows/definitions';
import type { RewardEscrowInput } from '../../workflows/reward-escrow';
import { eventually } from './workflows';

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

/** Starts a stand-alone reward escrow on the control queue, as its owner would, from {@link testEscrowInput}. */
export function startTestEscrow(
  client: Client,
  fields: Parameters<typeof testEscrowInput>[0],
): Promise<WorkflowHandle<typeof rewardEscrow>> {
  return client.workflow.start(rewardEscrow, {
    taskQueue: TASK_QUEUES.control,
    workflowId: escrowWorkflowId(fields.escrowId),
    args: [testEscrowInput(fields)],
  });
}

/** The hashes an escrow asks its earner to invoice, once it has handed them out. */
export async function paymentHashesOf(handle: WorkflowHandle<typeof rewardEscrow>): Promise<string[]> {
  const status = await eventually('the escrow hashes', async () => {
    const current = await handle.query(escrowStatusQuery);
    return current.paymentHashes.length > 0 ? current : null;
  });
  return status.paymentHashes;
}
