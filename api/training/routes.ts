import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { z } from 'zod';
import type { BlobStore } from '../../db/blobs';
import type { LedgerRepository } from '../../db/repos/ledger';
import type { TrainingRepository } from '../../db/repos/training';
import { weightBytes } from '../../model/weights';
import { MIN_SAFETY_MARGIN_BLOCKS } from '../../domain/money/cltv';
import { DEFAULT_EARNER_LIQUIDITY } from '../../domain/money/earner-liquidity';
import { acceptedCltvDeltas, MIN_INVOICE_EXPIRY_SECONDS } from '../../domain/money/escrow-invoices';
import { splitIntoTranches } from '../../domain/money/tranches';
import { canonicalSha256 } from '../../domain/canonical-json';
import { DEFAULT_MODEL } from '../../model/config';
import type { RoundSettings, RoundStatus } from '../../workflows/training-definitions';
import {
  roundStatusQuery,
  runStatusQuery,
  trainingRoundWorkflowId,
  trainingRunWorkflowId,
} from '../../workflows/training-definitions';
import { compressionMismatch, doorRefusal } from '../../domain/training/refusals';
import { ApiError } from '../errors';
import { parseAuthorization } from '../l402';
import { accessFeePayment } from '../access-fee';
import type { RouteLimits } from '../rate-limit';
import { DEFAULT_ROUTE_LIMITS } from '../rate-limit';
import type { ApiRoute } from '../route';
import { defineRoute } from '../route';
import type { StakeGateDeps } from '../stakes';
import { heldStake, stakePayment } from '../stakes';
import { enterSubmission } from '../submissions';
import { storedPayloadOf } from './stored-payload';
import {
  CheckpointView,
  CurrentRound,
  DecidedSubmissionView,
  GRADIENT_BODY_LIMIT_BYTES,
  GradientAccepted,
  GradientBody,
  RewardSchedule,
  RoundParams,
  RoundView,
  SubmissionParams,
} from './schema';
import type { Gradient } from './schema';

/** How `GET /checkpoint` is served: free (price 0), or an L402 read whose token keeps working for a while. */
export interface CheckpointAccess {
  priceSats: number;
  tokenSeconds: number;
}

export const FREE_CHECKPOINT: CheckpointAccess = { priceSats: 0, tokenSeconds: 3_600 };

export interface TrainingRouteDeps extends StakeGateDeps {
  temporal: Client;
  training: TrainingRepository;
  /** Where each submitted payload is stored before its round hears of it (by hash). */
  blobs: BlobStore;
  ledger: LedgerRepository;
  /** The run this coordinator serves on the published paths. */
  runId: string;
  settings: RoundSettings;
  /** Default: a free read. */
  checkpointAccess?: CheckpointAccess;
  /** Default: {@link DEFAULT_ROUTE_LIMITS}. */
  rateLimits?: RouteLimits;
}

interface Prechecked {
  gradient: Gradient;
  payloadBytes: Buffer;
  submission: ReturnType<typeof submissionOf>;
  /** Null for a round that is gone (its run ended) when the request presents a paid stake: see the precheck. */
  round: RoundStatus | null;
  /** The stake the round's settings ask for; 0: none. */
  stakeSats: number;
}

const submissionOf = (gradient: Gradient, payloadBytes: Buffer) => ({
  peerId: gradient.peerId,
  round: gradient.round,
  checkpointHash: gradient.checkpointHash,
  payload: storedPayloadOf(payloadBytes),
  earnerPublicKey: gradient.nodePubkey,
});

/** Longest a paid stake can wait for its verdict: the round's window, scoring, then the escrow's own deadlines. */
function stakeDecideWithinSeconds(settings: RoundSettings): number {
  const { submitWithinSeconds, scoreWithinSeconds, escrow } = settings;
  return (
    submitWithinSeconds + 2 * scoreWithinSeconds + escrow.invoiceWithinSeconds + escrow.decideWithinSeconds
  );
}

type DecidedRow = NonNullable<Awaited<ReturnType<TrainingRepository['submission']>>>;

const decidedView = (row: DecidedRow): z.input<typeof DecidedSubmissionView> => ({
  ...row,
  stakeOutcome: row.stakeOutcome as 'refund' | 'forfeit' | null,
  createdAt: row.createdAt.toISOString(),
});

const TEMPORAL = ['TEMPORAL_UNAVAILABLE'] as const;

/**
 * The published l402-train training contract, plus resource routes for rounds. `GET /checkpoint` is an L402 read
 * when the run prices it; `PUT /gradient` asks for a stake (L402 hold mode) when the round's settings do, and only
 * after every check the round would make has passed.
 */
export function trainingRoutes(deps: TrainingRouteDeps): ApiRoute[] {
  const { temporal, training, blobs, ledger, runId, settings } = deps;
  const checkpointAccess = deps.checkpointAccess ?? FREE_CHECKPOINT;
  const limits = deps.rateLimits ?? DEFAULT_ROUTE_LIMITS;
  const run = () => temporal.workflow.getHandle(trainingRunWorkflowId(runId));
  const roundStatus = async (round: number): Promise<RoundStatus | null> => {
    try {
      return await temporal.workflow.getHandle(trainingRoundWorkflowId(runId, round)).query(roundStatusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  };
  const tag = 'training';

  return [
    defineRoute({
      method: 'get',
      path: '/checkpoint',
      tag,
      summary: 'The current global weights (float32 LE, base64) and the round they are for',
      response: { status: 200, body: CheckpointView },
      errors: ['NO_CHECKPOINT', ...TEMPORAL],
      payment: accessFeePayment({
        temporal,
        rootKeys: deps.rootKeys,
        service: 'training',
        capability: 'checkpoint',
        when: 'the run prices the checkpoint',
        // The token reads this run's checkpoints while it lasts (each round's, not one hash's).
        price: () =>
          checkpointAccess.priceSats > 0 ? { sats: checkpointAccess.priceSats, resource: runId } : null,
        ttlSeconds: checkpointAccess.tokenSeconds,
        memo: 'training checkpoint read',
        limits: limits['training:checkpoint'],
      }),
      handler: async () => {
        const status = await run().query(runStatusQuery);
        const checkpoint = await training.checkpoint(status.checkpointHash);
        if (!checkpoint) throw new ApiError('NO_CHECKPOINT', 'the run has no checkpoint yet');
        const round = await roundStatus(status.round);
        return {
          runId,
          round: status.round,
          state: status.state,
          checkpointHash: checkpoint.hash,
          model: DEFAULT_MODEL,
          compression: settings.compression,
          weights: weightBytes(checkpoint.weights).toString('base64'),
          roundOpen: round?.phase === 'open',
          poolSats: round?.poolSats ?? null,
          closesAt: round ? new Date(round.closesAt).toISOString() : null,
        };
      },
    }),

    defineRoute({
      method: 'put',
      path: '/gradient',
      tag,
      summary: 'Submit a compressed update for the open round; answers with the escrow that pays the peer',
      body: GradientBody,
      bodyLimitBytes: GRADIENT_BODY_LIMIT_BYTES,
      response: { status: 202, body: GradientAccepted },
      errors: [
        'NOT_FOUND',
        'ROUND_CLOSED',
        'WRONG_ROUND',
        'STALE_CHECKPOINT',
        'UNKNOWN_PEER',
        'ALREADY_SUBMITTED',
        'PAYLOAD_TOO_LARGE',
        'GRADIENT_COMPRESSION_MISMATCH',
        'STAKE_REQUIRED',
        ...TEMPORAL,
      ],
      /** Everything the round would refuse, checked before a stake is asked for or anything starts. */
      precheck: async ({ body: gradient }, req): Promise<Prechecked> => {
        const payloadBytes = Buffer.from(gradient.payload, 'base64');
        const round = await roundStatus(gradient.round);
        // A request presenting a paid stake goes on even to a refusal: the gate spends its token, then the round's
        // own refusal (or its absence, once the run has ended) refunds the stake at once; refusing here would leave
        // it held until its deadline.
        const paid = parseAuthorization(req.get('authorization')) !== null;
        if (!round && !paid) throw new ApiError('NOT_FOUND', `round ${gradient.round} is not running`);
        const submission = submissionOf(gradient, payloadBytes);
        const refused = round && doorRefusal(round, submission);
        if (refused && !paid) {
          const mismatch =
            refused === 'GRADIENT_COMPRESSION_MISMATCH' && compressionMismatch(round, submission.payload);
          throw new ApiError(
            refused,
            mismatch ? `the update declares ${mismatch}` : `submission refused: ${refused}`,
          );
        }
        const stakeSats = (round?.settings ?? settings).stakeSats;
        return { gradient, payloadBytes, submission, round, stakeSats };
      },
      payment: stakePayment(deps, {
        service: 'training',
        capability: 'gradient',
        memo: 'training submission stake (refunded unless malformed or copied)',
        when: 'the round sets stakeSats',
        // A stake token is bound to the parsed update (peer, round, checkpoint, payload, node) it staked.
        price: ({ gradient, stakeSats }: Prechecked) =>
          stakeSats > 0 ? { sats: stakeSats, resource: runId, bodySha256: canonicalSha256(gradient) } : null,
        limits: limits['training:gradient'],
        decideWithinSeconds: stakeDecideWithinSeconds(settings),
      }),
      handler: async ({ prechecked: { gradient, payloadBytes, submission, stakeSats }, token }) => {
        const stake = await heldStake(token, ledger, BigInt(stakeSats));
        // Stored before the round hears of it, so every activity finds it by hash; bytes a refusal leaves behind
        // are content-addressed and harmless.
        await blobs.put(payloadBytes);
        // A refusal (the round closed meanwhile, or is gone) is answered with its code; the stake goes back at once.
        const accepted = await enterSubmission(temporal, stake, {
          parentWorkflowId: trainingRoundWorkflowId(runId, gradient.round),
          mode: 'training',
          entry: submission,
        });
        return {
          submissionId: accepted.submissionId,
          escrowId: accepted.escrowId,
          escrow: `/escrows/${accepted.escrowId}`,
          stake: stake?.paymentHash ?? null,
        };
      },
    }),

    defineRoute({
      method: 'get',
      path: '/reward-schedule',
      tag,
      summary: 'The payout rule, tranches, acceptance rule and stake as data',
      response: { status: 200, body: RewardSchedule },
      handler: async () => {
        const liquidity = settings.escrow.liquidity ?? DEFAULT_EARNER_LIQUIDITY;
        const cltvDeltas = acceptedCltvDeltas({
          safetyMarginBlocks: MIN_SAFETY_MARGIN_BLOCKS,
          maxCltvDelta: settings.escrow.maxInvoiceCltvDelta,
        });
        return {
          payout: settings.payout,
          trancheSats: splitIntoTranches(settings.payout.capSats, settings.payout.trancheCount),
          rule: 'reward = min(capSats, rateSatsPerUnit × max(0, lossBefore − lossAfter)), revealed in whole tranches',
          roundPool:
            'each round pays at most (run budget − paid so far) ÷ rounds left; when its accepted updates earn more, each keeps the same share of what it earned, in whole tranches',
          acceptance: settings.decision,
          outerLearningRate: settings.outerLearningRate,
          compression: settings.compression,
          holdWindow: {
            invoiceWithinSeconds: settings.escrow.invoiceWithinSeconds,
            decideWithinSeconds: settings.escrow.decideWithinSeconds,
          },
          cltvBudget: {
            minInvoiceCltvDelta: cltvDeltas.min,
            maxInvoiceCltvDelta: cltvDeltas.max,
            routingCltvBlocks: settings.escrow.routingCltvBlocks,
          },
          earnerLiquidity: {
            ...liquidity,
            rule: 'per earner node, open escrows hold at most maxHeldHtlcs tranche HTLCs and maxLockedSats sats; an earner that has not settled or cancelled every tranche cancelWithinSeconds after the decision is refused new escrows (EARNER_PENALIZED) for penaltySeconds',
            invoiceRule: `one hold invoice per tranche, in order: payable to the submitting node, for the tranche's hash and exactly its sats, a CLTV delta from ${cltvDeltas.min} to ${cltvDeltas.max} blocks, at least ${MIN_INVOICE_EXPIRY_SECONDS} s before expiry, no unknown required features; anything else ends the escrow as invalid-invoices with an ESCROW_INVOICE_* code`,
          },
          fees: settings.escrow.fees,
          stakeSats: settings.stakeSats,
          stakeRule:
            'a stake is forfeited for a malformed payload or a copy, refunded for every other outcome',
          checkpointPriceSats: checkpointAccess.priceSats,
        };
      },
    }),

    defineRoute({
      method: 'get',
      path: '/rounds/current',
      tag,
      summary: "The run's state and its current round",
      response: { status: 200, body: CurrentRound },
      errors: [...TEMPORAL],
      handler: async () => {
        const status = await run().query(runStatusQuery);
        return { runId, state: status.state, round: status.round, status: await roundStatus(status.round) };
      },
    }),

    defineRoute({
      method: 'get',
      path: '/rounds/{n}',
      tag,
      summary: 'One round: its status and decided submissions',
      params: RoundParams,
      response: { status: 200, body: RoundView },
      errors: ['NOT_FOUND', ...TEMPORAL],
      handler: async ({ params }) => {
        const [status, submissions] = await Promise.all([
          roundStatus(params.n),
          training.submissions(runId, params.n),
        ]);
        if (!status && submissions.length === 0)
          throw new ApiError('NOT_FOUND', `round ${params.n} has not opened`);
        return { runId, round: params.n, status, decided: submissions.map(decidedView) };
      },
    }),

    defineRoute({
      method: 'get',
      path: '/rounds/{n}/submissions/{id}',
      tag,
      summary: 'One decided submission (without its payload)',
      params: SubmissionParams,
      response: { status: 200, body: DecidedSubmissionView },
      errors: ['NOT_FOUND'],
      handler: async ({ params }) => {
        const row = await training.submission(params.id);
        if (!row || row.round !== params.n || row.runId !== runId) {
          throw new ApiError('NOT_FOUND', `no decided submission ${params.id} in round ${params.n}`);
        }
        return decidedView(row);
      },
    }),
  ];
}
