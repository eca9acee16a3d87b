import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BountyEvalActivities, LoadedBounty } from '../activities/bounty-eval';
import { bountyDoorRefusal } from '../domain/bounty/door';
import { judgeSubmission } from '../domain/bounty/judge';
import type { SubmissionEvidence } from '../domain/bounty/judge';
import { bountyReveal } from '../domain/bounty/reveal';
import { escrowReserveSats } from '../domain/money/escrow-reserve';
import { feeLimitSats } from '../domain/money/fees';
import type { PayoutRule } from '../domain/money/payout';
import { ACTIVITY_PROFILES } from '../temporal-config';
import type { BountyStatus, HeldStake } from './definitions';
import { bountyStatusQuery, closeBountySignal } from './definitions';
import { invoicePublisher } from './hold-invoice';
import { tellSubmission } from './submission-parent';
import { openPlainInvoice } from './plain-invoice';
import type { EscrowSettings } from './reward-escrow';
import type { BountyEntry, BountySubmissionResult, SubmissionTurn } from './submission-definitions';
import {
  admissionSignal,
  admitSignal,
  decisionSignal,
  evidenceSignal,
  outcomeSignal,
  turnSignal,
  withoutMode,
} from './submission-definitions';

const control = proxyActivities<Activities>(ACTIVITY_PROFILES.database);
const validation = proxyActivities<BountyEvalActivities>(ACTIVITY_PROFILES.validation);

export interface BountyInput {
  bountyId: string;
  /** The bundle directory (eval harness, baseline, splits) on the coordinator's validation hosts. */
  bundle: string;
  budgetSats: number;
  payoutRule: PayoutRule;
  stakeSats: number;
  baselineFeeSats: number;
  /** Where what is left of the pool goes at close (keysend). */
  sponsorPublicKey: string;
  /** sha256 of the sponsor's close token (the token itself never enters history). */
  closeTokenHash: string;
  /** ISO time after which no submission is taken and the bounty closes. */
  deadline: string;
  fundWithinSeconds: number;
  escrow: EscrowSettings;
  /** Longest a submission may take to validate once it has its turn (default 3600 s); then it is set aside. */
  validateWithinSeconds?: number;
  /** Continue as new after this many submissions in one run (default 100), so history stays small. */
  continueAsNewAfter?: number;
  /** Set only by continue-as-new: where the previous run left off. */
  carried?: BountyCarried;
}

/** An admitted submission waiting for its turn: its ids, its own workflow, its entry and the reserve it holds. */
interface Queued {
  submissionId: string;
  escrowId: string;
  workflowId: string;
  entry: BountyEntry;
  stake: HeldStake | null;
  copiedFrom?: string;
  reserve: number;
}

/** What a bounty carries into its next run. */
export interface BountyCarried {
  status: BountyStatus;
  closing: boolean;
  queue: Queued[];
  /** Pending and accepted submissions: what a new diff may not copy. */
  live: { submissionId: string; agentId: string; diffHash: string }[];
  totals: { paidSats: number; feeSats: number; refundedSats: number; accepted: number; rejected: number };
  /** The current baseline's blob: the bundle's, then each accepted candidate's files. */
  baselineSha256: string;
  loaded: LoadedBounty;
  fundedSats: number;
}

export interface BountyResult {
  phase: 'CLOSED';
  fundedSats: number;
  paidSats: number;
  feeSats: number;
  refundedSats: number;
  /** What the pool still holds after the refund: 0, unless a refund failed or a reserve is still held. */
  poolSats: number;
  accepted: number;
  rejected: number;
}

/**
 * A bounty's whole life: created (bundle loaded, row written, funding invoice published) → funded (the sponsor
 * paid) → open (baseline scored; submissions queue and are validated one at a time, each against the best so
 * far) → closed (deadline or the sponsor's signal; queued submissions finish; the pool's remainder is refunded).
 */
export async function bounty(input: BountyInput): Promise<BountyResult> {
  const { workflowId } = workflowInfo();
  // First, so the API's awaitInvoice update finds its handler while the bundle loads.
  const publish = invoicePublisher();
  const { carried } = input;
  const status: BountyStatus = carried?.status ?? {
    phase: 'CREATED',
    poolSats: 0,
    reservedSats: 0,
    bestScore: null,
    queued: 0,
    validating: null,
  };
  const queue: Queued[] = carried?.queue ?? [];
  const live: BountyCarried['live'] = carried?.live ?? [];
  let closing = carried?.closing ?? false;
  const totals = carried?.totals ?? { paidSats: 0, feeSats: 0, refundedSats: 0, accepted: 0, rejected: 0 };

  const escrowReserve = escrowReserveSats(input.payoutRule, input.escrow.fees);
  const validateWithinSeconds = input.validateWithinSeconds ?? 3_600;
  const reportWithinSeconds = 2 * (input.escrow.invoiceWithinSeconds + input.escrow.decideWithinSeconds);
  const door = () => ({ ...status, closing, reserveSats: escrowReserve });
  setHandler(bountyStatusQuery, () => ({ ...door(), queued: queue.length }));
  setHandler(closeBountySignal, () => {
    closing = true;
  });
  setHandler(admitSignal, async (request) => {
    const refused =
      request.mode !== 'bounty'
        ? 'INVALID_INPUT'
        : (bountyDoorRefusal(door()) ??
          (input.stakeSats > 0 && !request.stake ? 'STAKE_REQUIRED' : null) ??
          (queue.some((q) => q.workflowId === request.workflowId) ? 'SUBMISSION_EXISTS' : null));
    if (refused !== null || request.mode !== 'bounty') {
      await tellSubmission(request.workflowId, admissionSignal, { refused: refused ?? 'INVALID_INPUT' });
      return;
    }
    const { entry } = request;
    const submissionId = uuid4();
    const copied = live.find((s) => s.diffHash === entry.diffHash && s.agentId !== entry.agentPublicKey);
    live.push({ submissionId, agentId: entry.agentPublicKey, diffHash: entry.diffHash });
    const queued: Queued = {
      submissionId,
      escrowId: uuid4(),
      workflowId: request.workflowId,
      entry,
      stake: request.stake,
      reserve: escrowReserve,
      ...(copied ? { copiedFrom: copied.submissionId } : {}),
    };
    queue.push(queued);
    status.reservedSats += escrowReserve;
    const waitSeconds = Math.max(0, Date.parse(input.deadline) - Date.now()) / 1000;
    await tellSubmission(request.workflowId, admissionSignal, {
      admitted: {
        submissionId,
        escrowId: queued.escrowId,
        position: queue.length,
        turnWithinSeconds: Math.ceil(waitSeconds) + validateWithinSeconds * queue.length,
      },
    });
  });
  const evidence = new Map<string, SubmissionEvidence>();
  const outcomes = new Map<string, BountySubmissionResult>();
  setHandler(evidenceSignal, (report) => {
    if (report.mode === 'bounty') evidence.set(report.submissionId, report.evidence);
  });
  setHandler(outcomeSignal, (report) => {
    if (report.mode !== 'bounty') return;
    outcomes.set(report.submissionId, withoutMode(report));
  });
  const progress = () =>
    control.recordBountyProgress({
      bountyId: input.bountyId,
      progress: {
        phase: status.phase,
        poolSats: status.poolSats,
        paidSats: totals.paidSats,
        feeSats: totals.feeSats,
        refundedSats: totals.refundedSats,
        ...(status.bestScore === null ? {} : { bestScore: status.bestScore }),
      },
    });

  const opened = carried ?? (await openBounty());
  const { loaded, fundedSats } = opened;
  let { baselineSha256 } = opened;

  /** Created → funded → open: the bundle loaded and recorded, the funding invoice paid, the baseline scored. */
  async function openBounty(): Promise<Pick<BountyCarried, 'loaded' | 'baselineSha256' | 'fundedSats'>> {
    const loaded = await validation.loadBounty({ bundle: input.bundle });
    const { baselineSha256 } = loaded;
    await control.recordBounty({
      id: input.bountyId,
      bundle: input.bundle,
      title: loaded.title,
      description: loaded.description,
      metricName: loaded.metricName,
      direction: loaded.direction,
      allowedFiles: loaded.allowedFiles,
      maxDiffBytes: loaded.maxDiffBytes,
      baselineSha256,
      heldOutHash: loaded.heldOutHash,
      budgetSats: input.budgetSats,
      payoutRule: input.payoutRule,
      stakeSats: input.stakeSats,
      baselineFeeSats: input.baselineFeeSats,
      sponsorPublicKey: input.sponsorPublicKey,
      closeTokenHash: input.closeTokenHash,
      deadline: input.deadline,
    });

    const fundingInvoice = await openPlainInvoice(publish, {
      purpose: 'BOUNTY_FUNDING',
      sats: input.budgetSats,
      memo: `fund bounty ${input.bountyId}`,
      expiresInSeconds: input.fundWithinSeconds,
    });
    const baselineRuns = validation.scoreBaseline({ bundle: input.bundle, runs: loaded.repeatRuns });
    const funding = await fundingInvoice.outcome();
    if (funding === 'SETTLED') {
      status.phase = 'FUNDED';
      status.poolSats = input.budgetSats;
      await progress();
      const baseline = await baselineRuns;
      if (baseline.score !== null) {
        status.bestScore = baseline.score;
        status.phase = 'OPEN';
        await control.recordBountyProgress({
          bountyId: input.bountyId,
          progress: { phase: 'OPEN', baselineScore: baseline.score, bestScore: baseline.score },
        });
      } else {
        log.error('the baseline does not score on the held-out split; closing', { bountyId: input.bountyId });
      }
    }
    return { loaded, baselineSha256, fundedSats: funding === 'SETTLED' ? input.budgetSats : 0 };
  }

  /**
   * Gives a queued submission its turn (judged against the best so far), judges its evidence by the published
   * rules and hands it the decision; resolves with its outcome, 'gone' when its workflow ended before its turn
   * (it opened no escrow), or null when it reported none in time.
   */
  async function validateInTurn(next: Queued): Promise<BountySubmissionResult | 'gone' | null> {
    const turn: SubmissionTurn = {
      mode: 'bounty',
      bountyId: input.bountyId,
      bundle: input.bundle,
      baselineSha256,
      bestScore: status.bestScore ?? 0,
      direction: loaded.direction,
      tolerances: loaded.tolerances,
      repeatRuns: loaded.repeatRuns,
      payoutRule: input.payoutRule,
      escrow: input.escrow,
      ...(next.copiedFrom === undefined ? {} : { copiedFrom: next.copiedFrom }),
    };
    if (!(await tellSubmission(next.workflowId, turnSignal, turn))) return 'gone';
    if (!(await condition(() => evidence.has(next.submissionId), validateWithinSeconds * 1000))) return null;
    const judgement = judgeSubmission(evidence.get(next.submissionId) as SubmissionEvidence);
    evidence.delete(next.submissionId);
    await tellSubmission(next.workflowId, decisionSignal, {
      mode: 'bounty',
      judgement,
      reveal: bountyReveal(judgement, input.payoutRule),
    });
    if (!(await condition(() => outcomes.has(next.submissionId), reportWithinSeconds * 1000))) return null;
    const outcome = outcomes.get(next.submissionId) as BountySubmissionResult;
    outcomes.delete(next.submissionId);
    return outcome;
  }

  /** Drops a submission from the copy check: it was rejected, or never validated. */
  const forget = (submissionId: string) => {
    const at = live.findIndex((s) => s.submissionId === submissionId);
    if (at >= 0) live.splice(at, 1);
  };

  const deadlineMs = Date.parse(input.deadline);
  let handled = 0;
  while (status.phase === 'OPEN') {
    if (handled >= (input.continueAsNewAfter ?? 100) || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      const next: BountyCarried = {
        status,
        closing,
        queue,
        live,
        totals,
        baselineSha256,
        loaded,
        fundedSats,
      };
      return continueAsNew<typeof bounty>({ ...input, carried: next });
    }
    const next = queue.shift();
    if (!next) {
      if (closing) break;
      const remaining = deadlineMs - Date.now();
      if (remaining <= 0 || !(await condition(() => queue.length > 0 || closing, remaining))) closing = true;
      continue;
    }
    status.validating = next.submissionId;
    const result = await validateInTurn(next);
    if (result === 'gone') {
      // Its escrow opens only with its turn, so no sat moved for it: its reserve goes back to the pool.
      log.warn('bounty submission ended before its turn; its reserve is released', {
        submissionId: next.submissionId,
      });
      status.validating = null;
      status.reservedSats -= next.reserve;
      totals.rejected += 1;
      forget(next.submissionId);
      await progress();
      continue;
    }
    if (!result) {
      // Money may have moved in its escrow: keep its reserve out of the pool, and say so loudly.
      log.error('bounty submission reported no outcome in time; its reserve stays held', {
        submissionId: next.submissionId,
      });
      status.validating = null;
      totals.rejected += 1;
      continue;
    }
    handled += 1;
    status.validating = null;
    status.reservedSats -= next.reserve;
    status.poolSats -= result.paidSats + result.feeSats;
    totals.paidSats += result.paidSats;
    totals.feeSats += result.feeSats;
    if (result.judgement.verdict === 'accepted' && result.judgement.heldOutScore !== null) {
      totals.accepted += 1;
      status.bestScore = result.judgement.heldOutScore;
      baselineSha256 = await validation.advanceBaseline({
        bundle: input.bundle,
        baselineSha256,
        diffSha256: next.entry.diffSha256,
      });
      await control.recordBountyProgress({ bountyId: input.bountyId, progress: { baselineSha256 } });
    } else {
      totals.rejected += 1;
      forget(next.submissionId);
    }
    await progress();
  }

  if (status.phase === 'OPEN' || status.phase === 'FUNDED') {
    status.phase = 'CLOSING';
    await progress();
    // A reserve still held (a submission that failed mid-escrow) stays in the pool for a person to settle.
    // Pass 0 sends the pool less its fee limit; pass 1 sends what the fee did not use, with no fee allowed (it
    // goes through on a direct or zero-fee route; otherwise those few sats stay in the pool, shown as such).
    for (const pass of [0, 1]) {
      const refundable = status.poolSats - status.reservedSats;
      const maxFeeSats = pass === 0 ? feeLimitSats(refundable, input.escrow.fees) : 0;
      const sats = refundable - maxFeeSats;
      if (sats <= 0) break;
      const refund = await control.refundSponsor({
        bountyId: input.bountyId,
        pass,
        workflowId,
        destination: input.sponsorPublicKey,
        sats,
        maxFeeSats,
      });
      totals.refundedSats += refund.refundedSats;
      totals.feeSats += refund.feeSats;
      status.poolSats -= refund.refundedSats + refund.feeSats;
      if (refund.state === 'FAILED') {
        log.error('sponsor refund failed', { bountyId: input.bountyId, pass, sats });
        break;
      }
    }
  }
  status.phase = 'CLOSED';
  await progress();
  return {
    phase: 'CLOSED',
    fundedSats,
    paidSats: totals.paidSats,
    feeSats: totals.feeSats,
    refundedSats: totals.refundedSats,
    poolSats: status.poolSats,
    accepted: totals.accepted,
    rejected: totals.rejected,
  };
}
