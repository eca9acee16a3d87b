import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import type { HeldStake, StakeVerdict } from './definitions';
import { resolveStakeSignal } from './definitions';

/**
 * Hands a submission's stake its verdict. A stake that already ended (its own deadline refunded it) needs none,
 * so a failed signal is logged, not raised.
 */
export async function resolveHeldStake(stake: HeldStake, outcome: StakeVerdict): Promise<void> {
  await getExternalWorkflowHandle(stake.workflowId)
    .signal(resolveStakeSignal, { outcome })
    .catch((err: unknown) => log.warn('stake already ended', { err: String(err), stake: stake.paymentHash }));
}
