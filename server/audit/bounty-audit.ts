import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { LightningClient } from '../../activities/lightning/client';
import type { RefundResult } from '../../activities/bounties';
import { splitHash } from '../../activities/bounty-eval';
import type { CandidateInput } from '../../activities/bounty-eval';
import { applyDiff, bountyReveal, judgeSubmission } from '../../domain/bounty';
import type { Judgement, SubmissionEvidence } from '../../domain/bounty';
import { evaluateSplit, loadBountyBundle, runCanaries } from '../../activities/sandbox';
import type { BountyBundle } from '../../activities/sandbox';
import type { BlobStore } from '../../db/blobs';
import { blobStoreFor } from '../../db/blobs';
import type { PrismaClient } from '../../db/client';
import { bountyRepository } from '../../db/repos/bounties';
import { bountyBooks } from '../../domain/money/bounty-books';
import type { BountyInput, BountyResult } from '../../workflows/bounty';
import type { BountySubmissionResult } from '../../workflows/submission-definitions';
import { bountyWorkflowId, escrowWorkflowId } from '../../workflows/definitions';
import type { AuditFinding, Note } from './findings';
import { filesOfBlob } from '../../activities/blobs';
import { unlessAltered } from './blob-reads';
import { findingsList } from './findings';
import type { ActivityCall, HistorySource, RecordedExecution } from './histories';
import {
  activityCalls,
  linkedWorkflowIds,
  replayAll,
  startInput,
  temporalHistories,
  workflowResult,
} from './histories';
import type { KnownMoney, MoneyDeps, NodeWindowReport } from './money';
import { auditEscrow, auditNodeWindow, auditStake, readExecutions } from './money';
import type { RecordedSubmission } from './paid-submissions';
import { admittedSubmissions } from './paid-submissions';

export interface BountyAuditDeps {
  client: Client;
  codec: PayloadCodec;
  prisma: PrismaClient;
  lightning: LightningClient;
  /** Where bounty bundles live, one directory per bundle name: the evals are run again from here. */
  bountiesDir: string;
  histories?: HistorySource;
  /** Where submitted diffs are; default this deployment's store. */
  blobs?: BlobStore;
}

/** The bounty's money, re-derived from its histories: funded = paid + refunded + fees + pool. */
export interface BountyBooksReport {
  funded: number;
  paid: number;
  refunded: number;
  fees: number;
  pool: number;
  /** Stakes forfeited to the coordinator: never part of the pool, each checked on LND. */
  forfeits: number;
}

export interface BountyAuditReport {
  bountyId: string;
  replayed: number;
  submissions: number;
  /** Sandboxed evals run again (public and held-out runs, canaries). */
  evalsRerun: number;
  books: BountyBooksReport | null;
  node: NodeWindowReport | null;
  findings: AuditFinding[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

interface BountyContext {
  deps: MoneyDeps & { bountiesDir: string; blobs: BlobStore };
  collected: RecordedExecution[];
  known: KnownMoney;
  bundles: Map<string, Promise<BountyBundle>>;
  evalsRerun: number;
}

/**
 * Audits one bounty from its histories: every execution of the bounty, every submission, reward escrow and stake
 * replays; every recorded eval (public and held-out runs, canaries) is run again in the sandbox and must give the
 * recorded outcome; the judgement, reveal and stake are re-derived by the pure rules; the funding, payouts and
 * refund are held to the ledger and LND, the books must balance, and LND's items in the bounty's window claimed.
 */
export async function auditBounty(deps: BountyAuditDeps, bountyId: string): Promise<BountyAuditReport> {
  const { findings, noteFor } = findingsList();
  const note = noteFor(null, null);
  const context: BountyContext = {
    deps: {
      ...deps,
      histories: deps.histories ?? temporalHistories(deps.client),
      blobs: deps.blobs ?? blobStoreFor(deps.prisma),
    },
    collected: [],
    known: { payments: new Set(), invoices: new Set() },
    bundles: new Map(),
    evalsRerun: 0,
  };
  const executions = await readExecutions(
    context.deps.histories,
    bountyWorkflowId(bountyId),
    context.collected,
    note,
  );
  const first = executions[0];
  const last = executions[executions.length - 1];
  if (!first || !last)
    return { bountyId, replayed: 0, submissions: 0, evalsRerun: 0, books: null, node: null, findings };

  const input = await startInput<BountyInput>(deps.codec, first.history);
  const result = await workflowResult<BountyResult>(deps.codec, last.history);
  if (!result) note('AUDIT_HISTORY_MISSING', `bounty ${bountyId} has not closed`);
  const bundle = await bundleOf(context, input.bundle);
  const row = await bountyRepository(deps.prisma).find(bountyId);
  if (row && row.heldOutHash !== splitHash(bundle.splits['held-out'] ?? {}))
    note(
      'AUDIT_EVAL_MISMATCH',
      "the bundle's held-out split is not the one the bounty published at creation",
    );

  const funded = await auditFunding(context, first, note);
  const submissions = await admittedSubmissions(
    deps.codec,
    context.deps.histories,
    executions,
    context.collected,
    note,
  );
  let paid = 0;
  let fees = 0;
  let forfeits = 0;
  for (const [submissionId, submission] of submissions) {
    const audited = await auditSubmission(context, submissionId, submission, noteFor(null, submissionId));
    paid += audited.paidSats;
    fees += audited.feeSats;
    forfeits += audited.forfeitedSats;
  }
  const refund = await auditRefunds(context, executions, note);
  fees += refund.feeSats;

  let books: BountyBooksReport | null = null;
  if (result) {
    books = { funded, paid, refunded: refund.refundedSats, fees, pool: result.poolSats, forfeits };
    const recorded = [result.fundedSats, result.paidSats, result.refundedSats, result.feeSats];
    if (!same(recorded, [funded, paid, refund.refundedSats, fees]))
      note(
        'AUDIT_BOOKS_UNBALANCED',
        `history's totals (funded/paid/refunded/fees) are ${recorded.join('/')}, its escrows, refunds and funding add up to ${[funded, paid, refund.refundedSats, fees].join('/')}`,
      );
    if (funded !== paid + refund.refundedSats + fees + result.poolSats)
      note(
        'AUDIT_BOOKS_UNBALANCED',
        `funded ${funded} ≠ paid ${paid} + refunded ${refund.refundedSats} + fees ${fees} + pool ${result.poolSats}`,
      );
    const ledger = bountyBooks(
      await bountyRepository(deps.prisma).ledgerRows(bountyId, {
        bounty: bountyWorkflowId(bountyId),
        escrow: escrowWorkflowId,
      }),
    );
    const fromLedger = [ledger.funded, ledger.paidOut, ledger.refunded, ledger.fees, ledger.pool].map(Number);
    if (!same(fromLedger, [funded, paid, refund.refundedSats, fees, result.poolSats]))
      note(
        'AUDIT_BOOKS_UNBALANCED',
        `the ledger's books (funded/paid/refunded/fees/pool) are ${fromLedger.join('/')}, history's ${[funded, paid, refund.refundedSats, fees, result.poolSats].join('/')}`,
      );
    if (row) {
      const stored = [row.phase, row.paidSats, row.feeSats, row.refundedSats, row.poolSats].map(String);
      if (!same(stored, ['CLOSED', paid, fees, refund.refundedSats, result.poolSats].map(String)))
        note(
          'AUDIT_RECORD_MISMATCH',
          `the bounty row says ${stored.join('/')}, history says CLOSED/${paid}/${fees}/${refund.refundedSats}/${result.poolSats}`,
        );
    }
  }
  const replayed = await replayAll(context.collected, deps.codec, note);
  const node = await auditNodeWindow(context.deps, executions, context.known, note);
  return {
    bountyId,
    replayed,
    submissions: submissions.size,
    evalsRerun: context.evalsRerun,
    books,
    node,
    findings,
  };
}

function bundleOf(context: BountyContext, name: string): Promise<BountyBundle> {
  let bundle = context.bundles.get(name);
  if (!bundle) {
    bundle = loadBountyBundle(join(context.deps.bountiesDir, name));
    context.bundles.set(name, bundle);
  }
  return bundle;
}

/** The funding invoice: settled on LND and in the ledger for the budget exactly when history says it was funded. */
async function auditFunding(context: BountyContext, first: RecordedExecution, note: Note): Promise<number> {
  const { deps } = context;
  const input = await startInput<BountyInput>(deps.codec, first.history);
  const calls = await activityCalls(deps.codec, first.history);
  const invoice = calls.find(
    (call) =>
      call.type === 'openPlainInvoice' && (call.input as { purpose: string }).purpose === 'BOUNTY_FUNDING',
  )?.result as { paymentHash: string } | undefined;
  const outcome = calls.find((call) => call.type === 'recordInvoiceOutcome')?.result;
  if (!invoice) return 0;
  context.known.invoices.add(invoice.paymentHash);
  const funded = outcome === 'SETTLED' ? input.budgetSats : 0;
  const onLnd = await deps.lightning.getInvoice(invoice.paymentHash).catch(() => null);
  if (!onLnd) note('AUDIT_LND_MISSING', `LND has no funding invoice ${invoice.paymentHash}`);
  else if ((onLnd.state === 'SETTLED' ? onLnd.receivedSats : 0) !== funded)
    note(
      'AUDIT_LND_MISMATCH',
      `LND shows the funding invoice ${onLnd.state} with ${onLnd.receivedSats} sats, history says ${funded} funded`,
    );
  const row = await deps.prisma.ledgerEntry.findUnique({
    where: { paymentHash_direction: { paymentHash: invoice.paymentHash, direction: 'INCOMING' } },
  });
  if ((row?.state === 'SETTLED' ? Number(row.amountSats) : 0) !== funded)
    note(
      'AUDIT_LEDGER_MISMATCH',
      `the ledger shows the funding ${row?.state ?? 'missing'}, history says ${funded} funded`,
    );
  return funded;
}

/** Every refund pass: its keysend on LND and its ledger row agree with what history says it refunded. */
async function auditRefunds(
  context: BountyContext,
  executions: RecordedExecution[],
  note: Note,
): Promise<{ refundedSats: number; feeSats: number }> {
  const { deps } = context;
  const totals = { refundedSats: 0, feeSats: 0 };
  for (const execution of executions) {
    for (const call of await activityCalls(deps.codec, execution.history)) {
      if (call.type !== 'refundSponsor' || call.result === undefined) continue;
      const asked = call.input as { sats: number; pass: number };
      const refund = call.result as RefundResult;
      totals.refundedSats += refund.refundedSats;
      totals.feeSats += refund.feeSats;
      context.known.payments.add(refund.paymentHash);
      const payment = await deps.lightning.getPayment(refund.paymentHash);
      const lnd = payment?.state === 'SUCCEEDED' ? [payment.deliveredSats, payment.feeSats] : [0, 0];
      if (!same(lnd, [refund.refundedSats, refund.feeSats]))
        note(
          'AUDIT_REFUND_MISMATCH',
          `LND shows refund pass ${asked.pass} ${payment?.state ?? 'missing'} for ${lnd.join('+')} sats, history ${refund.refundedSats}+${refund.feeSats}`,
        );
      const row = await deps.prisma.ledgerEntry.findUnique({
        where: { paymentHash_direction: { paymentHash: refund.paymentHash, direction: 'OUTGOING' } },
      });
      const ledger = row?.state === 'SETTLED' ? [Number(row.amountSats), Number(row.feeSats)] : [0, 0];
      if (!same(ledger, [refund.refundedSats, refund.feeSats]) || Number(row?.amountSats) !== asked.sats)
        note(
          'AUDIT_REFUND_MISMATCH',
          `the ledger shows refund pass ${asked.pass} ${row?.state ?? 'missing'} for ${row?.amountSats ?? 0} sats, history ${refund.refundedSats} of ${asked.sats}`,
        );
    }
  }
  return totals;
}

/**
 * The evidence a submission was judged on, as history recorded it: in the workflow's result, or, in a history from
 * before the judge ran in the workflow itself, as the input of its last `judge` activity.
 */
export function recordedEvidence(
  result: Partial<Pick<BountySubmissionResult, 'evidence'>>,
  calls: readonly ActivityCall[],
): SubmissionEvidence {
  const judged = calls.filter((call) => call.type === 'judge');
  return result.evidence ?? (judged[judged.length - 1]?.input as SubmissionEvidence);
}

/** Evals run again from the same bundle and inputs; the judgement, reveal and stake re-derived from them. */
async function auditSubmission(
  context: BountyContext,
  submissionId: string,
  submission: RecordedSubmission,
  note: Note,
): Promise<{ paidSats: number; feeSats: number; forfeitedSats: number }> {
  const { deps } = context;
  const { execution } = submission;
  const result = submission.result?.outcome?.mode === 'bounty' ? submission.result.outcome : null;
  const turn = submission.turn?.mode === 'bounty' ? submission.turn : null;
  if (!result || !turn) {
    note('AUDIT_HISTORY_MISSING', `submission ${submissionId} did not complete`);
    return { paidSats: 0, feeSats: 0, forfeitedSats: 0 };
  }
  const bundle = await bundleOf(context, turn.bundle);
  const calls = await activityCalls(deps.codec, execution.history);
  const evidence = { ...recordedEvidence(result, calls) };
  const noted = new Set<string>();
  /** The candidate's files as an eval was asked to run them, or null (noted once) when a blob is missing or altered. */
  const filesOf = async (candidate: CandidateInput) => {
    const [baseline, diff] = await Promise.all(
      [candidate.baselineSha256, candidate.diffSha256].map((sha256) => unlessAltered(deps.blobs.get(sha256))),
    );
    const altered = [
      ['AUDIT_BASELINE_ALTERED', 'baseline', candidate.baselineSha256, baseline],
      ['AUDIT_DIFF_ALTERED', 'diff', candidate.diffSha256, diff],
    ] as const;
    for (const [code, what, sha256, bytes] of altered)
      if (!bytes && !noted.has(sha256)) {
        noted.add(sha256);
        note(code, `the ${what} recorded in history (${sha256}) is missing or altered`);
      }
    return baseline && diff ? applyDiff(filesOfBlob(baseline), diff.toString('utf8'), bundle.manifest) : null;
  };
  // A run whose files cannot be read again is not re-run: the judgement is held to its evidence as recorded.
  const rerun = async <T>(
    candidate: CandidateInput,
    run: (files: Record<string, string>) => Promise<T>,
  ): Promise<T | null> => {
    const files = await filesOf(candidate);
    if (!files) return null;
    context.evalsRerun += 1;
    return run(files);
  };
  for (const call of calls) {
    if (call.type === 'evalSplit' && call.result !== undefined) {
      const asked = call.input as CandidateInput & { split: 'public' | 'held-out'; runs: number };
      const again = await rerun(asked, (files) => evaluateSplit(bundle, files, asked.split, asked.runs));
      if (!again) continue;
      if (!same(again, call.result))
        note(
          'AUDIT_EVAL_MISMATCH',
          `the ${asked.split} runs give ${JSON.stringify(again)} again, history says ${JSON.stringify(call.result)}`,
        );
      if (asked.split === 'public') evidence.publicRuns = again as SubmissionEvidence['publicRuns'];
      else evidence.heldOutRuns = again as SubmissionEvidence['heldOutRuns'];
    }
    if (call.type === 'evalCanaries' && call.result !== undefined) {
      const asked = call.input as CandidateInput;
      const again = await rerun(asked, (files) => runCanaries(bundle, files));
      if (!again) continue;
      if (!same(again, call.result))
        note(
          'AUDIT_EVAL_MISMATCH',
          `the canaries give ${JSON.stringify(again)} again, history says ${JSON.stringify(call.result)}`,
        );
      evidence.canaryRuns = again as SubmissionEvidence['canaryRuns'];
    }
  }
  const judgement: Judgement = judgeSubmission(evidence);
  if (!same(judgement, result.judgement))
    note(
      'AUDIT_VERDICT_MISMATCH',
      `the rules judge ${judgement.reason}, history says ${result.judgement.reason}`,
    );
  const revealed = bountyReveal(judgement, turn.payoutRule);
  if (revealed !== result.revealed)
    note(
      'AUDIT_VERDICT_MISMATCH',
      `the payout rule reveals ${revealed} tranches, history says ${result.revealed}`,
    );

  const stored = await bountyRepository(deps.prisma).findSubmission(turn.bountyId, submissionId);
  const row = stored && [stored.status, stored.reason, Number(stored.payoutSats), stored.stakeOutcome];
  const expected = [
    result.judgement.verdict === 'accepted' ? 'ACCEPTED' : 'REJECTED',
    result.judgement.reason,
    result.paidSats,
    result.stake,
  ];
  if (!same(row, expected))
    note(
      'AUDIT_RECORD_MISMATCH',
      `the database says ${row?.join('/') ?? 'nothing'}, history says ${expected.join('/')}`,
    );

  const escrowId = linkedWorkflowIds(execution.history).find((id) => id.startsWith('escrow/'));
  if (escrowId) {
    const [escrow] = await readExecutions(deps.histories, escrowId, context.collected, note);
    const paid = escrow ? await auditEscrow(deps, escrow, context.known, note) : null;
    if (
      paid &&
      (paid.revealed !== result.revealed ||
        paid.paidSats !== result.paidSats ||
        paid.feeSats !== result.feeSats)
    )
      note(
        'AUDIT_HISTORY_MISMATCH',
        `the escrow revealed ${paid.revealed} and paid ${paid.paidSats} sats, the submission says ${result.revealed} and ${result.paidSats}`,
      );
  } else if (result.paidSats !== 0)
    note('AUDIT_HISTORY_MISMATCH', `no escrow, yet ${result.paidSats} sats paid`);

  let forfeitedSats = 0;
  const stake = submission.result?.stake;
  if (stake && submission.input.stake) {
    if (result.stake !== judgement.stake)
      note('AUDIT_STAKE_MISMATCH', `the stake rule says ${judgement.stake}, history says ${result.stake}`);
    forfeitedSats = await auditStake(
      deps,
      execution,
      stake.paymentHash,
      judgement.stake,
      context.known,
      note,
    );
  }
  return { paidSats: result.paidSats, feeSats: result.feeSats, forfeitedSats };
}
