import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BountyDoor } from '../domain/bounty/door';

export interface InvoiceView {
  paymentHash: string;
  bolt11: string;
}

/** The invoice a payer should pay, once the workflow has created it. */
export const invoiceQuery = defineQuery<InvoiceView | null>('invoice');
/** Waits for the invoice and returns it: how the API gets an invoice from the workflow that owns it. */
export const invoiceUpdate = defineUpdate<InvoiceView>('awaitInvoice');

/** A stake's verdict: refund (cancel the hold) for honest outcomes, forfeit (settle) for abusive ones. */
export type StakeVerdict = 'refund' | 'forfeit';
export const resolveStakeSignal = defineSignal<[{ outcome: StakeVerdict }]>('resolveStake');

/** A stake the API saw held for a submission: the workflow that owns it and its payment hash. */
export interface HeldStake {
  workflowId: string;
  paymentHash: string;
}

export type EscrowPhase =
  | 'awaiting-invoices'
  | 'locking'
  | 'locked'
  | 'released'
  | 'completed'
  | 'expired'
  | 'invalid-invoices'
  /** The earner node is over its liquidity cap or penalized (see domain/money/earner-liquidity): nothing to invoice. */
  | 'refused';

export interface EscrowStatus {
  phase: EscrowPhase;
  /** The node every tranche invoice must pay: only invoices it signed are taken. */
  earnerPublicKey: string;
  /** Payment hashes the earner must create hold invoices for, one per tranche, in order. */
  paymentHashes: string[];
  trancheSats: number[];
  /** How many tranches (the first N) the coordinator reveals; null until decided. Tranches past N: cancel. */
  revealed: number | null;
  /** Chain height by which the earner must have settled the revealed tranches and cancelled the rest. */
  decideByHeight: number | null;
  problem: string | null;
  /** The stable code of `problem` (an `ESCROW_INVOICE_*` or `EARNER_*` code); null without a problem. */
  problemCode: string | null;
}

export const escrowStatusQuery = defineQuery<EscrowStatus>('escrowStatus');
/** The earner's hold invoices, one per tranche, in the order of `paymentHashes`. */
export const escrowInvoicesSignal = defineSignal<[{ invoices: string[] }]>('escrowInvoices');
/** The owner's decision: reveal the first `reveal` tranches, cancel the rest. */
export const releaseEscrowSignal = defineSignal<[{ reveal: number }]>('releaseEscrow');

export const roundTripWorkflowId = (label: string) => `hold-invoice-round-trip/${label}`;
export const stakeWorkflowId = (stakeId: string) => `stake/${stakeId}`;
export const escrowWorkflowId = (escrowId: string) => `escrow/${escrowId}`;
export const accessFeeWorkflowId = (id: string) => `access-fee/${id}`;

export interface BountyStatus {
  phase: 'CREATED' | 'FUNDED' | 'OPEN' | 'CLOSING' | 'CLOSED';
  poolSats: number;
  /** Sats set aside for submissions queued or being validated (their cap plus fee limits). */
  reservedSats: number;
  bestScore: number | null;
  queued: number;
  validating: string | null;
}

/** The bounty's status and what its door looks at (see domain/bounty bountyDoorRefusal). */
export type BountyStatusView = BountyStatus & BountyDoor;
export const bountyStatusQuery = defineQuery<BountyStatusView>('bountyStatus');
/** The sponsor closes early: no new submissions; queued ones finish; the rest of the pool goes back. */
export const closeBountySignal = defineSignal('closeBounty');

export const bountyWorkflowId = (bountyId: string) => `bounty/${bountyId}`;
