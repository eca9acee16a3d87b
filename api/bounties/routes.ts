import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { JUDGE_RULES, applyDiff, bountyDoorRefusal, normalisedDiffHash } from '../../domain/bounty';
import { escrowReserveSats } from '../../domain/money/escrow-reserve';
import type { Bounty, BountyRepository, BountySubmission } from '../../db/repos/bounties';
import type { BlobStore } from '../../db/blobs';
import type { LedgerRepository } from '../../db/repos/ledger';
import { canonicalSha256 } from '../../domain/canonical-json';
import { TASK_QUEUES } from '../../temporal-config';
import type { BountyInput } from '../../workflows/bounty';
import type { EscrowSettings } from '../../workflows/reward-escrow';
import {
  bountyStatusQuery,
  bountyWorkflowId,
  closeBountySignal,
  invoiceUpdate,
} from '../../workflows/definitions';
import type { z } from 'zod';
import { accessFeePayment } from '../access-fee';
import { parseAuthorization } from '../l402';
import type { RateLimit, RouteLimits } from '../rate-limit';
import { DEFAULT_BOUNTY_CREATES_PER_CLIENT, DEFAULT_ROUTE_LIMITS } from '../rate-limit';
import type { ApiRoute } from '../route';
import { defineRoute } from '../route';
import type { StakeGateDeps } from '../stakes';
import { heldStake, stakePayment } from '../stakes';
import { enterSubmission } from '../submissions';
import { BUNDLE_REFUSALS, BountyApiError } from './errors';
import type { BountyApiErrorCode } from './errors';
import {
  Baseline,
  BountyList,
  BountyListQuery,
  BountyParams,
  CloseBody,
  Closing,
  CreateBountyBody,
  CreatedBounty,
  Leaderboard,
  PublicBounty,
  PublicSubmission,
  SubmissionParams,
  SubmissionQueued,
  SubmitBody,
} from './schema';
import type { Submit } from './schema';

export interface BountyRouteDeps extends StakeGateDeps {
  temporal: Client;
  bounties: BountyRepository;
  ledger: LedgerRepository;
  /** Where each submitted diff is stored before its bounty hears of it (by hash). */
  blobs: BlobStore;
  /** Bundles installed on the coordinator, one directory each. */
  bountiesDir: string;
  escrow: EscrowSettings;
  stakeDecideWithinSeconds: number;
  /** Default: {@link DEFAULT_ROUTE_LIMITS}. */
  rateLimits?: RouteLimits;
  /** Default: {@link DEFAULT_BOUNTY_CREATES_PER_CLIENT}. */
  createsPerClient?: RateLimit;
}

/** Stated on every bounty: who holds the sats and when they move. */
export const CUSTODY =
  'Custodial pool: the coordinator holds the funded budget on its own node until it pays rewards (through hold-' +
  'invoice escrows on the agents’ nodes) or refunds the remainder to the sponsor’s node by keysend at close, less ' +
  'routing fees. Forfeited stakes go to the coordinator, not the pool.';

const num = (value: bigint) => Number(value);

export function publicBounty(bounty: Bounty): z.input<typeof PublicBounty> {
  return {
    id: bounty.id,
    bundle: bounty.bundle,
    title: bounty.title,
    description: bounty.description,
    phase: bounty.phase as z.input<typeof PublicBounty>['phase'],
    metric: { name: bounty.metricName, direction: bounty.direction as 'higher' | 'lower' },
    allowedFiles: bounty.allowedFiles,
    maxDiffBytes: bounty.maxDiffBytes,
    heldOutHash: bounty.heldOutHash,
    budgetSats: num(bounty.budgetSats),
    payoutRule: bounty.payoutRule as z.input<typeof PublicBounty>['payoutRule'],
    judgeRules: [...JUDGE_RULES],
    stakeSats: num(bounty.stakeSats),
    baselineFeeSats: num(bounty.baselineFeeSats),
    deadline: bounty.deadline.toISOString(),
    baselineScore: bounty.baselineScore,
    bestScore: bounty.bestScore,
    poolSats: num(bounty.poolSats),
    paidSats: num(bounty.paidSats),
    feeSats: num(bounty.feeSats),
    refundedSats: num(bounty.refundedSats),
    custody: CUSTODY,
  };
}

function publicSubmission(submission: BountySubmission): z.input<typeof PublicSubmission> {
  return {
    id: submission.id,
    bountyId: submission.bountyId,
    escrowId: submission.escrowId,
    agentPublicKey: submission.agentPublicKey,
    status: submission.status as z.input<typeof PublicSubmission>['status'],
    reason: submission.reason,
    claimedScore: submission.claimedScore,
    publicScore: submission.publicScore,
    heldOutScore: submission.heldOutScore,
    improvement: submission.improvement,
    payoutSats: num(submission.payoutSats),
    stakeHash: submission.stakeHash,
    stakeOutcome: submission.stakeOutcome as 'refund' | 'forfeit' | null,
    limitsMode: submission.limitsMode,
    createdAt: submission.createdAt.toISOString(),
  };
}

/** A submission that passed every check the API can make, for its stake's price and its handler. */
interface Prechecked {
  bounty: Bounty;
  body: Submit;
  diffHash: string;
}

/** The refusal a bounty workflow failed with before it published its funding invoice, if that is why. */
async function bundleRefusal(
  handle: Pick<WorkflowHandle, 'describe' | 'result'>,
): Promise<BountyApiError | null> {
  if ((await handle.describe()).status.name !== 'FAILED') return null;
  let cause: unknown = await handle.result().then(
    () => null,
    (err: unknown) => err,
  );
  // WorkflowFailedError, then the activity's failure, then the activity's own ApplicationFailure.
  while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
  if (!(cause instanceof ApplicationFailure) || !cause.type || !BUNDLE_REFUSALS.includes(cause.type))
    return null;
  return new BountyApiError(cause.type as BountyApiErrorCode, cause.message);
}

const TEMPORAL = ['TEMPORAL_UNAVAILABLE'] as const;

/**
 * The bounty resource, plus the published API's aliases (`GET /bounty/{id}` for the baseline, `POST
 * /bounty/{id}/submit`). Paid routes check everything they can before they ask for a payment.
 */
export function bountyRoutes(deps: BountyRouteDeps): ApiRoute[] {
  const limits = deps.rateLimits ?? DEFAULT_ROUTE_LIMITS;
  const bountyOf = async (id: string): Promise<Bounty> => {
    const bounty = await deps.bounties.find(id);
    if (!bounty) throw new BountyApiError('BOUNTY_NOT_FOUND', `no bounty ${id}`);
    return bounty;
  };
  const workflowOf = (bounty: Bounty) => deps.temporal.workflow.getHandle(bountyWorkflowId(bounty.id));

  // A baseline token opens the baseline of the one bounty it was bought for (its id as stored, not as typed in the
  // URL), at the fee it paid.
  const baseline = (path: string, summary: string) =>
    defineRoute({
      method: 'get',
      path,
      tag: 'bounties',
      summary,
      params: BountyParams,
      response: { status: 200, body: Baseline },
      errors: ['BOUNTY_NOT_FOUND', ...TEMPORAL],
      precheck: async ({ params }) => bountyOf(params.id),
      payment: accessFeePayment({
        temporal: deps.temporal,
        rootKeys: deps.rootKeys,
        service: 'bounty',
        capability: 'baseline',
        price: (bounty: Bounty) => ({ sats: num(bounty.baselineFeeSats), resource: bounty.id }),
        ttlSeconds: 86_400,
        limits: limits['bounty:baseline'],
      }),
      handler: async ({ prechecked: bounty }) => ({
        bountyId: bounty.id,
        bestScore: bounty.bestScore,
        files: bounty.baselineFiles as Record<string, string>,
      }),
    });

  const submitPayment = stakePayment(deps, {
    service: 'bounty',
    capability: 'submit',
    memo: 'bounty submission stake (refunded unless abusive)',
    when: 'the bounty sets stakeSats',
    // A stake token is bound to the parsed submission (diff, claimed score, agent key) it staked.
    price: ({ bounty, body }: Prechecked) =>
      bounty.stakeSats > 0n
        ? { sats: num(bounty.stakeSats), resource: bounty.id, bodySha256: canonicalSha256(body) }
        : null,
    limits: limits['bounty:submit'],
    decideWithinSeconds: deps.stakeDecideWithinSeconds,
  });
  const submit = (path: string, summary: string) =>
    defineRoute({
      method: 'post',
      path,
      tag: 'bounties',
      summary,
      params: BountyParams,
      body: SubmitBody,
      response: { status: 202, body: SubmissionQueued },
      errors: [
        'BOUNTY_NOT_FOUND',
        'BOUNTY_NOT_OPEN',
        'BOUNTY_POOL_EXHAUSTED',
        'SUBMISSION_EXISTS',
        'DIFF_TOO_LARGE',
        'DIFF_MALFORMED',
        'DIFF_TOUCHES_FORBIDDEN_FILE',
        'DIFF_DOES_NOT_APPLY',
        ...TEMPORAL,
      ],
      /** Everything the API can refuse, checked before a stake is asked for or a byte is stored. */
      precheck: async ({ params, body }, req): Promise<Prechecked> => {
        const bounty = await bountyOf(params.id);
        // A request presenting a paid stake goes on even to a refusal: the bounty's own refusal (or its absence,
        // once it has closed) then refunds the stake at once, where refusing here would leave it held until its
        // deadline.
        const paid = parseAuthorization(req.get('authorization')) !== null;
        if (bounty.phase !== 'OPEN' && !paid) {
          throw new BountyApiError('BOUNTY_NOT_OPEN', `bounty ${bounty.id} is ${bounty.phase}`);
        }
        applyDiff(bounty.baselineFiles as Record<string, string>, body.diff, {
          allowedFiles: bounty.allowedFiles,
          maxDiffBytes: bounty.maxDiffBytes,
        });
        if (!paid) {
          const refused = bountyDoorRefusal(await workflowOf(bounty).query(bountyStatusQuery));
          if (refused) throw new BountyApiError(refused, `bounty ${bounty.id} takes no submission now`);
        }
        return { bounty, body, diffHash: normalisedDiffHash(body.diff) };
      },
      payment: submitPayment,
      handler: async ({ prechecked: { bounty, body, diffHash }, token }) => {
        const stake = await heldStake(
          token,
          deps.ledger,
          bounty.stakeSats,
          "Pay this bounty's own stake invoice and retry with its macaroon.",
        );
        // Stored before the bounty hears of it; bytes a refusal leaves behind are content-addressed and harmless.
        const diffSha256 = await deps.blobs.put(Buffer.from(body.diff, 'utf8'));
        // A refusal (closed, pool exhausted) is answered with its code; the stake goes back at once.
        const { submissionId, escrowId, position } = await enterSubmission(deps.temporal, stake, {
          parentWorkflowId: bountyWorkflowId(bounty.id),
          mode: 'bounty',
          entry: {
            agentPublicKey: body.agentPublicKey,
            diffSha256,
            diffHash,
            claimedScore: body.claimedScore,
          },
        });
        return { bountyId: bounty.id, submissionId, escrowId, position, stake: stake?.paymentHash ?? null };
      },
    });

  return [
    defineRoute({
      method: 'get',
      path: '/bounties',
      tag: 'bounties',
      summary: 'List bounties',
      query: BountyListQuery,
      response: { status: 200, body: BountyList },
      handler: async ({ query }) => ({
        bounties: (await deps.bounties.list(query)).map(publicBounty),
        custody: CUSTODY,
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/bounties',
      tag: 'bounties',
      summary: 'Create a bounty; answers with its funding invoice and the close token',
      body: CreateBountyBody,
      response: { status: 201, body: CreatedBounty },
      errors: ['BOUNTY_BUNDLE_UNKNOWN', 'BOUNTY_BUDGET_TOO_SMALL', ...TEMPORAL],
      precheck: async ({ body }) => {
        if (!existsSync(join(deps.bountiesDir, body.bundle, 'bounty.json'))) {
          throw new BountyApiError('BOUNTY_BUNDLE_UNKNOWN', `no bundle ${body.bundle} on this coordinator`);
        }
        const reserve = escrowReserveSats(body.payoutRule, deps.escrow.fees);
        if (body.budgetSats < reserve) {
          throw new BountyApiError(
            'BOUNTY_BUDGET_TOO_SMALL',
            `a budget of ${body.budgetSats} sats cannot lock one reward of ${body.payoutRule.capSats} sats with its fee limits (${reserve} sats)`,
          );
        }
      },
      // Each creation starts a workflow and an invoice for free: counted per client, once it would.
      perClient: {
        limit: deps.createsPerClient ?? DEFAULT_BOUNTY_CREATES_PER_CLIENT,
        what: 'bounties created from this client',
      },
      handler: async ({ body }) => {
        const bountyId = randomUUID();
        const closeToken = randomBytes(32).toString('hex');
        const input: BountyInput = {
          bountyId,
          bundle: body.bundle,
          budgetSats: body.budgetSats,
          payoutRule: body.payoutRule,
          stakeSats: body.stakeSats,
          baselineFeeSats: body.baselineFeeSats,
          sponsorPublicKey: body.sponsorPublicKey,
          closeTokenHash: createHash('sha256').update(closeToken).digest('hex'),
          deadline: new Date(body.deadline).toISOString(),
          fundWithinSeconds: body.fundWithinSeconds,
          escrow: deps.escrow,
        };
        const handle = await deps.temporal.workflow.start('bounty', {
          taskQueue: TASK_QUEUES.control,
          workflowId: bountyWorkflowId(bountyId),
          args: [input],
        });
        const invoice = await handle.executeUpdate(invoiceUpdate).catch(async (err: unknown) => {
          throw (await bundleRefusal(handle)) ?? err;
        });
        return {
          bountyId,
          fundingInvoice: invoice.bolt11,
          paymentHash: invoice.paymentHash,
          closeToken,
          custody: CUSTODY,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/bounties/{id}',
      tag: 'bounties',
      summary: 'A bounty: terms, payout rule and judge rules as data',
      params: BountyParams,
      response: { status: 200, body: PublicBounty },
      errors: ['BOUNTY_NOT_FOUND'],
      handler: async ({ params }) => publicBounty(await bountyOf(params.id)),
    }),
    baseline('/bounties/{id}/baseline', 'The baseline files and best score'),
    submit('/bounties/{id}/submissions', 'Submit a diff to an open bounty'),
    defineRoute({
      method: 'get',
      path: '/bounties/{id}/submissions/{sid}',
      tag: 'bounties',
      summary: 'One submission and its verdict',
      params: SubmissionParams,
      response: { status: 200, body: PublicSubmission },
      errors: ['SUBMISSION_NOT_FOUND'],
      handler: async ({ params }) => {
        const submission = await deps.bounties.findSubmission(params.id, params.sid);
        if (!submission) throw new BountyApiError('SUBMISSION_NOT_FOUND', `no submission ${params.sid}`);
        return publicSubmission(submission);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/bounties/{id}/leaderboard',
      tag: 'bounties',
      summary: 'Accepted submissions, best first',
      params: BountyParams,
      response: { status: 200, body: Leaderboard },
      errors: ['BOUNTY_NOT_FOUND'],
      handler: async ({ params }) => {
        const bounty = await bountyOf(params.id);
        return {
          bountyId: bounty.id,
          bestScore: bounty.bestScore,
          baselineScore: bounty.baselineScore,
          entries: (await deps.bounties.leaderboard(bounty)).map(publicSubmission),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/bounties/{id}/close',
      tag: 'bounties',
      summary: 'Close a bounty (sponsor, with the close token)',
      params: BountyParams,
      body: CloseBody,
      response: { status: 202, body: Closing },
      errors: ['BOUNTY_NOT_FOUND', 'CLOSE_TOKEN_INVALID', ...TEMPORAL],
      handler: async ({ params, body }) => {
        const bounty = await bountyOf(params.id);
        const given = createHash('sha256').update(body.closeToken).digest();
        if (!timingSafeEqual(given, Buffer.from(bounty.closeTokenHash, 'hex'))) {
          throw new BountyApiError('CLOSE_TOKEN_INVALID', 'wrong close token');
        }
        await workflowOf(bounty).signal(closeBountySignal);
        return { bountyId: bounty.id, closing: true as const };
      },
    }),
    baseline('/bounty/{id}', 'Published alias of GET /bounties/{id}/baseline'),
    submit('/bounty/{id}/submit', 'Published alias of POST /bounties/{id}/submissions'),
  ];
}
