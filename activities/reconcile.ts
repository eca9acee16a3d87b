import { FINAL_STATES } from '../db/repos/ledger';
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
  /** The row was moved to LND's state (only ever a non-final row). */
  repaired: boolean;
  /** A final row LND contradicts, flagged for an operator by a repair (never rewritten). */
  flagged: boolean;
}

/**
 * Whether a final row agrees with LND: SETTLED only with SETTLED; a row that ended without moving money
 * (CANCELED, FAILED) with any end where none moved, including no trace at all (the call never reached LND).
 */
function finalRowAgrees(ledgerState: PaymentState, lndState: LndView): boolean {
  if (ledgerState === 'SETTLED') return lndState === 'SETTLED';
  return lndState === 'CANCELED' || lndState === 'FAILED' || lndState === 'MISSING';
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
 * Compares ledger rows with what LND reports. A non-final row that differs is, with `repair`, moved to LND's state
 * (LND is the truth for money). A final row is never reopened: one LND contradicts (SETTLED here, CANCELED there;
 * CANCELED here, SETTLED there; ...) is reported and, with `repair`, flagged for an operator. `scope: 'open'` skips
 * the final rows (the periodic sweep, whose job is to finish what is in flight). Returns the differences.
 */
export async function reconcileLedger(
  deps: { ledger: LedgerRepository; lightning: LightningClient },
  options: { repair: boolean; scope?: 'open' | 'all' },
): Promise<LedgerDifference[]> {
  const differences: LedgerDifference[] = [];
  const rows = options.scope === 'open' ? await deps.ledger.listNonFinal() : await deps.ledger.listAll();
  for (const row of rows) {
    const payment = row.direction === 'OUTGOING' ? await deps.lightning.getPayment(row.paymentHash) : null;
    const lndState =
      row.direction === 'INCOMING'
        ? incomingState(await lookupInvoice(deps.lightning, row.paymentHash))
        : outgoingState(payment);
    const final = FINAL_STATES.includes(row.state);
    if (final ? finalRowAgrees(row.state, lndState) : lndState === row.state) continue;
    const flagged = options.repair && final;
    if (flagged) await deps.ledger.flag(row, lndState);
    const repaired = options.repair && !final && lndState !== 'MISSING';
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
      flagged,
    });
  }
  return differences;
}
