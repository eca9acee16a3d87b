import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { JUDGE_RULES, applyDiff, normalisedDiffHash } from '../../domain/bounty';
import { escrowReserveSats } from '../../domain/money/escrow-reserve';
import type { Bounty, BountyRepository, BountySubmission } from '../../db/repos/bounties';
import type { BlobStore } from '../../db/blobs';
import type { LedgerRepository } from '../../db/repos/ledger';
import { canonicalSha256 } from '../../domain/canonical-json';
import { TASK_QUEUES } from '../../temporal-config';
import type { BountyInput } from '../../workflows/bounty';
import type { BountyEscrowSettings } from '../../workflows/bounty-submission';
import {
  bountyWorkflowId,
  closeBountySignal,
  invoiceUpdate,
  submitToBountyUpdate,
} from '../../workflows/definitions';
import type { HeldStake } from '../../workflows/definitions';
import { L402TrainError } from '../../domain/l402-train-error';
import { heldStakeOf, refundStake } from '../stakes';
import { route } from '../validate';
import { BUNDLE_REFUSALS, BountyApiError, UPDATE_REFUSALS } from './errors';
import type { BountyApiErrorCode } from './errors';
import {
  BountyListQuery,
  BountyParams,
  CloseBody,
  CreateBountyBody,
  SubmissionParams,
  SubmitBody,
} from './schema';
import type { Submit } from './schema';

export interface BountyHandlerDeps {
  temporal: Client;
  bounties: BountyRepository;
  ledger: LedgerRepository;
  /** Where each submitted diff is stored before its bounty hears of it (by hash). */
  blobs: BlobStore;
  /** Bundles installed on the coordinator, one directory each. */
  bountiesDir: string;
  escrow: BountyEscrowSettings;
}

/** Stated on every bounty: who holds the sats and when they move. */
export const CUSTODY =
  'Custodial pool: the coordinator holds the funded budget on its own node until it pays rewards (through hold-' +
  'invoice escrows on the agents’ nodes) or refunds the remainder to the sponsor’s node by keysend at close, less ' +
  'routing fees. Forfeited stakes go to the coordinator, not the pool.';

const num = (value: bigint) => Number(value);

export function publicBounty(bounty: Bounty) {
  return {
    id: bounty.id,
    bundle: bounty.bundle,
    title: bounty.title,
    description: bounty.description,
    phase: bounty.phase,
    metric: { name: bounty.metricName, direction: bounty.direction },
    allowedFiles: bounty.allowedFiles,
    maxDiffBytes: bounty.maxDiffBytes,
    heldOutHash: bounty.heldOutHash,
    budgetSats: num(bounty.budgetSats),
    payoutRule: bounty.payoutRule,
    judgeRules: JUDGE_RULES,
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

function publicSubmission(submission: BountySubmission) {
  return {
    id: submission.id,
    bountyId: submission.bountyId,
    escrowId: submission.escrowId,
    agentPublicKey: submission.agentPublicKey,
    status: submission.status,
    reason: submission.reason,
    claimedScore: submission.claimedScore,
    publicScore: submission.publicScore,
    heldOutScore: submission.heldOutScore,
    improvement: submission.improvement,
    payoutSats: num(submission.payoutSats),
    stakeHash: submission.stakeHash,
    stakeOutcome: submission.stakeOutcome,
    limitsMode: submission.limitsMode,
    createdAt: submission.createdAt.toISOString(),
  };
}

/** A submission that passed every check the API can make, kept for the gate and the handler of this request. */
interface Prechecked {
  bounty: Bounty;
  body: Submit;
  diffHash: string;
}

function foundBounty(found: WeakMap<Request, Bounty>, req: Request): Bounty {
  const bounty = found.get(req);
  if (!bounty) throw new L402TrainError('INTERNAL', 'the baseline gate runs after `exists`');
  return bounty;
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

export function bountyHandlers(deps: BountyHandlerDeps) {
  const prechecked = new WeakMap<Request, Prechecked>();
  /** The bounty `exists` found for a baseline request, for its gate's price and resource. */
  const found = new WeakMap<Request, Bounty>();
  const bountyOf = async (id: string): Promise<Bounty> => {
    const bounty = await deps.bounties.find(id);
    if (!bounty) throw new BountyApiError('BOUNTY_NOT_FOUND', `no bounty ${id}`);
    return bounty;
  };

  return {
    list: route({ query: BountyListQuery }, async ({ query }, _req, res) => {
      res.json({ bounties: (await deps.bounties.list(query)).map(publicBounty), custody: CUSTODY });
    }),

    create: route({ body: CreateBountyBody }, async ({ body }, _req, res) => {
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
      res.status(201).json({
        bountyId,
        fundingInvoice: invoice.bolt11,
        paymentHash: invoice.paymentHash,
        closeToken,
        custody: CUSTODY,
      });
    }),

    get: route({ params: BountyParams }, async ({ params }, _req, res) => {
      res.json(publicBounty(await bountyOf(params.id)));
    }),

    /** Refuses unknown bounties before a paid route's gate can issue an invoice. */
    exists: ((req: Request, _res: Response, next: NextFunction) => {
      const parsed = BountyParams.safeParse(req.params);
      if (!parsed.success) return next(parsed.error);
      bountyOf(parsed.data.id).then((bounty) => {
        found.set(req, bounty);
        next();
      }, next);
    }) satisfies RequestHandler,

    baselinePrice: (req: Request): number => num(foundBounty(found, req).baselineFeeSats),
    /** The bounty's id as stored (not as typed in the URL), so one bounty is one resource. */
    bountyResource: (req: Request): string => foundBounty(found, req).id,

    baseline: route({ params: BountyParams }, async ({ params }, _req, res) => {
      const bounty = await bountyOf(params.id);
      res.json({ bountyId: bounty.id, bestScore: bounty.bestScore, files: bounty.baselineFiles });
    }),

    /** Everything the API can refuse, checked before the stake gate issues an invoice or anything is written. */
    precheck: ((req: Request, _res: Response, next: NextFunction) => {
      (async () => {
        const params = BountyParams.parse(req.params);
        const body = SubmitBody.parse(req.body ?? {});
        const bounty = await bountyOf(params.id);
        if (bounty.phase !== 'OPEN') {
          throw new BountyApiError('BOUNTY_NOT_OPEN', `bounty ${bounty.id} is ${bounty.phase}`);
        }
        applyDiff(bounty.baselineFiles as Record<string, string>, body.diff, {
          allowedFiles: bounty.allowedFiles,
          maxDiffBytes: bounty.maxDiffBytes,
        });
        prechecked.set(req, { bounty, body, diffHash: normalisedDiffHash(body.diff) });
      })().then(
        () => next(),
        (err: unknown) => next(err),
      );
    }) satisfies RequestHandler,

    stakePrice: (req: Request): number => num(prechecked.get(req)?.bounty.stakeSats ?? 0n),
    needsStake: (req: Request): boolean => (prechecked.get(req)?.bounty.stakeSats ?? 0n) > 0n,
    stakeResource: (req: Request): string => (prechecked.get(req) as Prechecked).bounty.id,
    /** A stake token is bound to the parsed submission (diff, claimed score, agent key) it staked. */
    stakeBodySha256: (req: Request): string => canonicalSha256((prechecked.get(req) as Prechecked).body),

    submit: (async (req: Request, res: Response, next: NextFunction) => {
      try {
        const { bounty, body, diffHash } = prechecked.get(req) as Prechecked;
        let stake: HeldStake | null = null;
        if (bounty.stakeSats > 0n) {
          stake = await heldStakeOf(res, deps.ledger, bounty.stakeSats);
          if (!stake) {
            throw new BountyApiError(
              'STAKE_MISMATCH',
              `that stake does not cover ${bounty.stakeSats} sats`,
              "Pay this bounty's own stake invoice and retry with its macaroon.",
            );
          }
        }
        const submissionId = randomUUID();
        const escrowId = randomUUID();
        // Stored before the bounty hears of it; bytes a refusal leaves behind are content-addressed and harmless.
        const diffSha256 = await deps.blobs.put(Buffer.from(body.diff, 'utf8'));
        const handle = deps.temporal.workflow.getHandle(bountyWorkflowId(bounty.id));
        let position: number;
        try {
          ({ position } = await handle.executeUpdate(submitToBountyUpdate, {
            args: [
              {
                submissionId,
                escrowId,
                agentPublicKey: body.agentPublicKey,
                diffSha256,
                diffHash,
                claimedScore: body.claimedScore,
                stake,
              },
            ],
          }));
        } catch (err) {
          const code = err instanceof WorkflowUpdateFailedError ? err.cause?.message : undefined;
          if (code === undefined || !UPDATE_REFUSALS.includes(code)) throw err;
          if (stake) await refundStake(deps.temporal, stake);
          throw new BountyApiError(code as BountyApiErrorCode, `bounty ${bounty.id} refused the submission`);
        }
        res
          .status(202)
          .json({ bountyId: bounty.id, submissionId, escrowId, position, stake: stake?.paymentHash ?? null });
      } catch (err) {
        next(err);
      }
    }) satisfies RequestHandler,

    submission: route({ params: SubmissionParams }, async ({ params }, _req, res) => {
      const submission = await deps.bounties.findSubmission(params.id, params.sid);
      if (!submission) throw new BountyApiError('SUBMISSION_NOT_FOUND', `no submission ${params.sid}`);
      res.json(publicSubmission(submission));
    }),

    leaderboard: route({ params: BountyParams }, async ({ params }, _req, res) => {
      const bounty = await bountyOf(params.id);
      res.json({
        bountyId: bounty.id,
        bestScore: bounty.bestScore,
        baselineScore: bounty.baselineScore,
        entries: (await deps.bounties.leaderboard(bounty)).map(publicSubmission),
      });
    }),

    close: route({ params: BountyParams, body: CloseBody }, async ({ params, body }, _req, res) => {
      const bounty = await bountyOf(params.id);
      const given = createHash('sha256').update(body.closeToken).digest();
      if (!timingSafeEqual(given, Buffer.from(bounty.closeTokenHash, 'hex'))) {
        throw new BountyApiError('CLOSE_TOKEN_INVALID', 'wrong close token');
      }
      await deps.temporal.workflow.getHandle(bountyWorkflowId(bounty.id)).signal(closeBountySignal);
      res.status(202).json({ bountyId: bounty.id, closing: true });
    }),
  };
}
