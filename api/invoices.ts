import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { LightningClient } from '../activities/lightning/client';
import type { LedgerRepository } from '../db/repos/ledger';
import { L402TrainError } from '../domain/l402-train-error';
import { TASK_QUEUES } from '../temporal-config';
import { accessFeeWorkflowId, invoiceUpdate } from '../workflows/definitions';
import { paidSubmissionWorkflowId } from '../workflows/submission-definitions';
import type { HoldInvoiceIssuer, InvoiceIssuer, InvoiceRequest, IssuedInvoice } from './l402/types';

export class EscrowCapacityError extends L402TrainError {
  readonly headers: Readonly<Record<string, string>>;

  constructor(live: number, cap: number, retryAfterSeconds: number) {
    super(
      'ESCROW_CAPACITY',
      `${live} escrows are held already (cap ${cap}); new holds would crowd the channel's 483 HTLC slots`,
      `Retry after ${retryAfterSeconds} s.`,
    );
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

export interface InvoiceIssuerDeps {
  temporal: Client;
  lightning: LightningClient;
  ledger: LedgerRepository;
  /** Most hold invoices (stakes) held at once before new ones are refused with 503. */
  maxHeldEscrows: number;
  /** How long a paid stake may wait for its verdict. */
  stakeDecideWithinSeconds: number;
}

/** Access-fee invoices, each owned by an `accessFee` workflow that follows it to the end. */
export function workflowInvoiceIssuer({ temporal }: Pick<InvoiceIssuerDeps, 'temporal'>): InvoiceIssuer {
  return {
    async createInvoice(request: InvoiceRequest): Promise<IssuedInvoice> {
      const handle = await temporal.workflow.start('accessFee', {
        taskQueue: TASK_QUEUES.control,
        workflowId: accessFeeWorkflowId(randomUUID()),
        args: [{ sats: request.sats, memo: request.memo, expiresInSeconds: request.expirySeconds }],
      });
      return handle.executeUpdate(invoiceUpdate);
    },
  };
}

/**
 * Stake invoices (L402 hold mode), each owned by the `paidSubmission` workflow its paid request will enter;
 * capped so stakes never jam a channel.
 */
export function workflowHoldInvoiceIssuer(deps: InvoiceIssuerDeps): HoldInvoiceIssuer {
  return {
    async createHoldInvoice(request: InvoiceRequest): Promise<IssuedInvoice> {
      const live = await deps.ledger.countLive(['STAKE', 'REWARD_ESCROW']);
      if (live >= deps.maxHeldEscrows) throw new EscrowCapacityError(live, deps.maxHeldEscrows, 30);
      const handle = await deps.temporal.workflow.start('paidSubmission', {
        taskQueue: TASK_QUEUES.control,
        workflowId: paidSubmissionWorkflowId(randomUUID()),
        args: [
          {
            stake: {
              sats: request.sats,
              memo: request.memo,
              payWithinSeconds: request.expirySeconds,
              decideWithinSeconds: deps.stakeDecideWithinSeconds,
            },
          },
        ],
      });
      return handle.executeUpdate(invoiceUpdate);
    },
    async isAccepted(paymentHash: string): Promise<boolean> {
      return (await deps.lightning.getInvoice(paymentHash)).state === 'HELD';
    },
  };
}
