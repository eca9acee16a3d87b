import type { PayloadCodec } from '@temporalio/common';
import type { InvoiceState, LightningClient, PaymentStatus } from '../../activities/lightning/client';
import { LightningError } from '../../activities/lightning/errors';
import type { PrismaClient } from '../../db/client';
import type { StakeVerdict } from '../../workflows/definitions';
import type { RewardEscrowInput, RewardEscrowResult } from '../../workflows/reward-escrow';
import type { PaidSubmissionInput, PaidSubmissionResult } from '../../workflows/submission-definitions';
import type { Note } from './findings';
import type { HistorySource, RecordedExecution } from './histories';
import { activityCalls, executionWindow, startInput, workflowResult } from './histories';

export interface MoneyDeps {
  codec: PayloadCodec;
  prisma: PrismaClient;
  lightning: LightningClient;
  histories: HistorySource;
}

/** The payments and invoices the audited histories account for, by payment hash. */
export interface KnownMoney {
  payments: Set<string>;
  invoices: Set<string>;
}

/** What an escrow's history, re-derived, paid: the sum of its first `revealed` tranche sizes. */
export interface EscrowAudit {
  revealed: number;
  paidSats: number;
  feeSats: number;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Reads every execution of a workflow a history named into `collected`; none at all is a finding. */
export async function readExecutions(
  histories: HistorySource,
  workflowId: string,
  collected: RecordedExecution[],
  note: Note,
): Promise<RecordedExecution[]> {
  const executions = await histories.executions(workflowId);
  if (executions.length === 0) note('AUDIT_HISTORY_MISSING', `no history of ${workflowId}`);
  collected.push(...executions);
  return executions;
}

/**
 * One reward escrow: its tranche sizes (start input), the hashes it locked (activity inputs) and its result are
 * held to each other, to its ledger rows and to LND. Paid must be the first `revealed` tranches, each its size.
 */
export async function auditEscrow(
  deps: MoneyDeps,
  execution: RecordedExecution,
  known: KnownMoney,
  note: Note,
): Promise<EscrowAudit | null> {
  const input = await startInput<RewardEscrowInput>(deps.codec, execution.history);
  const result = await workflowResult<RewardEscrowResult>(deps.codec, execution.history);
  if (!result) {
    note('AUDIT_HISTORY_MISSING', `escrow ${input.escrowId} did not complete`);
    return null;
  }
  const calls = await activityCalls(deps.codec, execution.history);
  const hashes = (calls.find((call) => call.type === 'escrowPaymentHashes')?.result as string[]) ?? [];
  const locks = calls
    .filter((call) => call.type === 'lockEscrowTranche')
    .map((call) => call.input as { paymentHash: string; sats: number });
  const tranche = (hash: string) => hashes.indexOf(hash);
  const revealed = result.phase === 'completed' ? result.revealed : 0;
  const due = sum(input.trancheSats.slice(0, revealed));
  if (result.paidSats !== due)
    note(
      'AUDIT_TRANCHE_SATS',
      `escrow ${input.escrowId} paid ${result.paidSats} sats, its first ${revealed} tranches (${input.trancheSats.join(', ')}) hold ${due}`,
    );
  for (const lock of locks) {
    const index = tranche(lock.paymentHash);
    if (index < 0 || lock.sats !== input.trancheSats[index])
      note(
        'AUDIT_TRANCHE_SATS',
        `escrow ${input.escrowId} locked ${lock.sats} sats for tranche ${index}, its size is ${input.trancheSats[index]}`,
      );
  }

  const rows = await deps.prisma.ledgerEntry.findMany({
    where: { workflowId: execution.workflowId, direction: 'OUTGOING' },
  });
  for (const row of rows) {
    const index = tranche(row.paymentHash);
    if (index < 0) {
      note('AUDIT_LEDGER_MISMATCH', `a ledger row of escrow ${input.escrowId} names a hash it never derived`);
      continue;
    }
    if (Number(row.amountSats) !== input.trancheSats[index])
      note(
        'AUDIT_TRANCHE_SATS',
        `the ledger row of tranche ${index} of escrow ${input.escrowId} holds ${row.amountSats} sats, the tranche ${input.trancheSats[index]}`,
      );
    const expected = index < revealed ? 'SETTLED' : 'FAILED';
    if (row.state !== expected)
      note(
        'AUDIT_LEDGER_MISMATCH',
        `the ledger shows tranche ${index} of escrow ${input.escrowId} ${row.state}, history says ${expected}`,
      );
  }
  const ledgerPaid = sum(rows.filter((row) => row.state === 'SETTLED').map((row) => Number(row.amountSats)));
  if (ledgerPaid !== result.paidSats)
    note(
      'AUDIT_LEDGER_MISMATCH',
      `the ledger shows ${ledgerPaid} sats paid, history says ${result.paidSats}`,
    );
  if (rows.length !== locks.length)
    note(
      'AUDIT_LEDGER_MISMATCH',
      `escrow ${input.escrowId} locked ${locks.length} tranches, the ledger holds ${rows.length} rows`,
    );

  let lndFees = 0;
  for (const lock of locks) {
    known.payments.add(lock.paymentHash);
    const index = tranche(lock.paymentHash);
    const payment: PaymentStatus | null = await deps.lightning.getPayment(lock.paymentHash);
    if (!payment) {
      note('AUDIT_LND_MISSING', `LND has no payment for tranche ${index} of escrow ${input.escrowId}`);
      continue;
    }
    const expected = index < revealed ? 'SUCCEEDED' : 'FAILED';
    if (payment.state !== expected)
      note(
        'AUDIT_LND_MISMATCH',
        `LND shows tranche ${index} of escrow ${input.escrowId} ${payment.state}, history says ${expected}`,
      );
    if (payment.state === 'SUCCEEDED') {
      lndFees += payment.feeSats;
      if (payment.deliveredSats !== input.trancheSats[index])
        note(
          'AUDIT_TRANCHE_SATS',
          `LND delivered ${payment.deliveredSats} sats for tranche ${index} of escrow ${input.escrowId}, the tranche holds ${input.trancheSats[index]}`,
        );
    }
  }
  if (lndFees !== result.feeSats)
    note(
      'AUDIT_LND_MISMATCH',
      `LND shows ${lndFees} sats of fees for escrow ${input.escrowId}, history ${result.feeSats}`,
    );
  return { revealed, paidSats: result.paidSats, feeSats: result.feeSats };
}

async function invoiceOnLnd(lightning: LightningClient, paymentHash: string) {
  try {
    return await lightning.getInvoice(paymentHash);
  } catch (err) {
    if (err instanceof LightningError && err.code === 'INVOICE_NOT_FOUND') return null;
    throw err;
  }
}

/**
 * One held stake given its due by the rule: forfeited means settled, refunded means cancelled, in the history of
 * the submission that held it, the ledger and on LND alike. Returns the sats it forfeited to the coordinator.
 */
export async function auditStake(
  deps: MoneyDeps,
  execution: RecordedExecution,
  paymentHash: string,
  due: StakeVerdict,
  known: KnownMoney,
  note: Note,
): Promise<number> {
  known.invoices.add(paymentHash);
  const sats = (await startInput<PaidSubmissionInput>(deps.codec, execution.history)).stake?.sats ?? 0;
  const ended = (await workflowResult<PaidSubmissionResult>(deps.codec, execution.history))?.stake;
  const expected: InvoiceState = due === 'forfeit' ? 'SETTLED' : 'CANCELED';
  if (!ended) note('AUDIT_HISTORY_MISSING', `stake ${paymentHash} did not complete`);
  else if (ended.paymentHash !== paymentHash || (ended.outcome === 'forfeited') !== (expected === 'SETTLED'))
    note('AUDIT_STAKE_MISMATCH', `the stake's history ended it ${ended.outcome}, the rule says ${expected}`);
  const row = await deps.prisma.ledgerEntry.findUnique({
    where: { paymentHash_direction: { paymentHash, direction: 'INCOMING' } },
  });
  if (row?.state !== expected)
    note(
      'AUDIT_LEDGER_MISMATCH',
      `the ledger shows the stake ${row?.state ?? 'missing'}, the rule says ${expected}`,
    );
  else if (Number(row.amountSats) !== sats)
    note('AUDIT_LEDGER_MISMATCH', `the ledger's stake row holds ${row.amountSats} sats, the stake ${sats}`);
  const invoice = await invoiceOnLnd(deps.lightning, paymentHash);
  if (!invoice) note('AUDIT_LND_MISSING', `LND has no stake invoice ${paymentHash}`);
  else if (invoice.state !== expected)
    note('AUDIT_LND_MISMATCH', `LND shows the stake ${invoice.state}, the rule says ${expected}`);
  return expected === 'SETTLED' ? sats : 0;
}

/** The node's payments and invoices in a window, sorted by who claims them. */
export interface NodeWindowReport {
  after: Date;
  before: Date;
  /** Claimed by the audited histories. */
  known: number;
  /** L402 access fees: the API's, claimed by the ledger, not by any one run. */
  fees: number;
  /** Claimed by the ledger for another workflow: another run's or bounty's money. */
  other: number;
}

/** LND stamps creation in whole seconds; histories in milliseconds. */
const WINDOW_SLACK_MS = 2_000;

/**
 * Enumerates the coordinator's payments (succeeded or in flight) and paid invoices (held or settled) created in
 * the executions' window. Each must be claimed: by the audited histories, or by a ledger row of another workflow
 * (another run's, a bounty's, an access fee); one nothing claims is a finding. Every known payment that
 * succeeded and every known invoice must be among them.
 */
export async function auditNodeWindow(
  deps: MoneyDeps,
  executions: RecordedExecution[],
  known: KnownMoney,
  note: Note,
): Promise<NodeWindowReport> {
  const span = executionWindow(executions);
  const window = {
    after: new Date(span.after.getTime() - WINDOW_SLACK_MS),
    before: new Date(span.before.getTime() + WINDOW_SLACK_MS),
  };
  const report: NodeWindowReport = { ...window, known: 0, fees: 0, other: 0 };
  const claim = async (paymentHash: string, direction: 'INCOMING' | 'OUTGOING', mine: Set<string>) => {
    if (mine.has(paymentHash)) return 'known';
    const row = await deps.prisma.ledgerEntry.findUnique({
      where: { paymentHash_direction: { paymentHash, direction } },
    });
    if (!row) return 'unknown';
    return row.purpose === 'ACCESS_FEE' ? 'fees' : 'other';
  };

  const payments = await deps.lightning.listPayments(window);
  for (const payment of payments) {
    const owner = await claim(payment.paymentHash, 'OUTGOING', known.payments);
    if (owner === 'unknown')
      note(
        'AUDIT_LND_UNKNOWN_PAYMENT',
        `LND paid ${payment.sats} sats (${payment.state}) for ${payment.paymentHash} at ${payment.createdAt.toISOString()}, which no history or ledger row claims`,
      );
    else report[owner] += 1;
  }
  const invoices = await deps.lightning.listInvoices(window);
  for (const invoice of invoices) {
    if (invoice.state !== 'SETTLED' && invoice.state !== 'HELD') {
      if (known.invoices.has(invoice.paymentHash)) report.known += 1;
      continue;
    }
    const owner = await claim(invoice.paymentHash, 'INCOMING', known.invoices);
    if (owner === 'unknown')
      note(
        'AUDIT_LND_UNKNOWN_INVOICE',
        `LND received ${invoice.receivedSats} sats (${invoice.state}) on invoice ${invoice.paymentHash} "${invoice.description}", which no history or ledger row claims`,
      );
    else report[owner] += 1;
  }

  const listedPayments = new Set(payments.map((payment) => payment.paymentHash));
  for (const hash of known.payments) {
    const payment = await deps.lightning.getPayment(hash);
    if (payment?.state === 'SUCCEEDED' && !listedPayments.has(hash))
      note('AUDIT_LND_MISSING', `payment ${hash} is not among the node's payments in the window`);
  }
  const listedInvoices = new Set(invoices.map((invoice) => invoice.paymentHash));
  for (const hash of known.invoices)
    if (!listedInvoices.has(hash))
      note('AUDIT_LND_MISSING', `invoice ${hash} is not among the node's invoices in the window`);
  return report;
}
