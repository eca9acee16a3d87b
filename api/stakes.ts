import type { Client } from '@temporalio/client';
import type { Response } from 'express';
import type { LedgerRepository } from '../db/repos/ledger';
import type { HeldStake } from '../workflows/definitions';
import { resolveStakeSignal } from '../workflows/definitions';
import { l402TokenOf } from './l402';

/**
 * The stake behind a request's L402 hold-mode token, when the ledger holds it as a stake of at least `sats`;
 * null otherwise (a token minted for some other, smaller stake).
 */
export async function heldStakeOf(
  res: Response,
  ledger: LedgerRepository,
  sats: bigint,
): Promise<HeldStake | null> {
  const { paymentHash } = l402TokenOf(res);
  const row = await ledger.find(paymentHash, 'INCOMING');
  if (!row || row.purpose !== 'STAKE' || row.amountSats < sats) return null;
  return { workflowId: row.workflowId, paymentHash };
}

/** Refunds a stake whose submission was refused after it was paid (the stake's workflow cancels the hold). */
export async function refundStake(temporal: Client, stake: HeldStake): Promise<void> {
  await temporal.workflow.getHandle(stake.workflowId).signal(resolveStakeSignal, { outcome: 'refund' });
}
