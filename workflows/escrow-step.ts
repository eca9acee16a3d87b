import { ParentClosePolicy, log, startChild } from '@temporalio/workflow';
import { splitIntoTranches } from '../domain/money/tranches';
import type { PayoutRule } from '../domain/money/payout';
import { TASK_QUEUES } from '../temporal-config';
import { escrowWorkflowId, releaseEscrowSignal } from './definitions';
import { rewardEscrow } from './reward-escrow';
import type { EscrowSettings, RewardEscrowResult } from './reward-escrow';

/** A reward escrow opened by a submission: released once, by the submission's decision. */
export interface OpenEscrow {
  /** Reveals the first `reveal` tranches (the rest return) and resolves with what the escrow paid. */
  release(reveal: number): Promise<RewardEscrowResult>;
}

/** What a submission paid when it opened no escrow. */
export const NOTHING_PAID: Pick<RewardEscrowResult, 'revealed' | 'paidSats' | 'feeSats'> = {
  revealed: 0,
  paidSats: 0,
  feeSats: 0,
};

/**
 * Starts the escrow that locks a submission's reward on its earner's node: a child that outlives its starter
 * (locked sats must reach their own end, reveal or return, whatever happens to the submission's workflow).
 */
export async function openEscrow(
  escrowId: string,
  earnerPublicKey: string,
  payout: Pick<PayoutRule, 'capSats' | 'trancheCount'>,
  settings: EscrowSettings,
): Promise<OpenEscrow> {
  const child = await startChild(rewardEscrow, {
    workflowId: escrowWorkflowId(escrowId),
    taskQueue: TASK_QUEUES.control,
    parentClosePolicy: ParentClosePolicy.ABANDON,
    args: [
      {
        escrowId,
        earnerPublicKey,
        trancheSats: splitIntoTranches(payout.capSats, payout.trancheCount),
        ...settings,
      },
    ],
  });
  return {
    async release(reveal) {
      // The escrow may have ended on its own (no invoices in time); then there is nothing to release.
      await child
        .signal(releaseEscrowSignal, { reveal })
        .catch((err: unknown) => log.info('escrow already ended', { escrowId, err: String(err) }));
      return child.result();
    },
  };
}
