import type { LedgerEntry, LedgerRepository, PaymentState } from '../db/repos/ledger';
import type { InvoiceStatus, LightningClient, PaymentStatus } from './lightning/client';
import { LightningError } from './lightning/errors';

/**
 * MISSING: LND has no such invoice or payment yet. The row is written before the Lightning call, so its owning
 * workflow may still be about to make it: reported, never repaired.
 */
export type LndView = PaymentState | 'MISSING';

export interface LedgerDifference {
  paymentHash: string;
  direction: LedgerEntry['direction'];
  purpose: LedgerEntry['purpose'];
  workflowId: string;
  ledgerState: PaymentState;
  lndState: LndView;
  repaired: boolean;
}

function incomingState(status: InvoiceStatus | null): LndView {
  return status ? status.state : 'MISSING';
}

function outgoingState(status: PaymentStatus | null): LndView {
  if (!status) return 'MISSING';
  return status.state === 'SUCCEEDED' ? 'SETTLED' : status.state;
}

async function lookupInvoice(lightning: LightningClient, paymentHash: string): Promise<InvoiceStatus | null> {
  try {
    return await lightning.getInvoice(paymentHash);
  } catch (err) {
    if (err instanceof LightningError && err.code === 'INVOICE_NOT_FOUND') return null;
    throw err;
  }
}

/**
 * Compares every non-final ledger row with what LND reports and, with `repair`, moves the row to LND's state
 * (LND is the truth for money; final states in the ledger are never reopened). Returns the differences.
 */
export async function reconcileLedger(
  deps: { ledger: LedgerRepository; lightning: LightningClient },
  options: { repair: boolean },
): Promise<LedgerDifference[]> {
  const differences: LedgerDifference[] = [];
  for (const row of await deps.ledger.listNonFinal()) {
    const payment = row.direction === 'OUTGOING' ? await deps.lightning.getPayment(row.paymentHash) : null;
    const lndState =
      row.direction === 'INCOMING'
        ? incomingState(await lookupInvoice(deps.lightning, row.paymentHash))
        : outgoingState(payment);
    if (lndState === row.state) continue;
    const repaired = options.repair && lndState !== 'MISSING';
    if (repaired) {
      await deps.ledger.markState(row.paymentHash, row.direction, lndState, {
        ...(payment && lndState === 'SETTLED' ? { feeSats: BigInt(payment.feeSats) } : {}),
      });
    }
    differences.push({
      paymentHash: row.paymentHash,
      direction: row.direction,
      purpose: row.purpose,
      workflowId: row.workflowId,
      ledgerState: row.state,
      lndState,
      repaired,
    });
  }
  return differences;
}
