import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
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
import type { HeldStake } from '../../workflows/definitions';
import type { RoundSettings, RoundStatus } from '../../workflows/training-definitions';
import {
  roundStatusQuery,
  runStatusQuery,
  submitGradientUpdate,
  trainingRoundWorkflowId,
  trainingRunWorkflowId,
} from '../../workflows/training-definitions';
import { compressionMismatch, doorRefusal } from '../../domain/training/refusals';
import { ApiError } from '../errors';
import { parseAuthorization } from '../l402';
import { heldStakeOf, refundStake } from '../stakes';
import { route } from '../validate';
import { storedPayloadOf } from './stored-payload';
import { GradientBody, RoundParams, SubmissionParams } from './schema';
import type { Gradient } from './schema';

/** How `GET /checkpoint` is served: free (price 0), or an L402 read whose token keeps working for a while. */
export interface CheckpointAccess {
  priceSats: number;
  tokenSeconds: number;
}

export const FREE_CHECKPOINT: CheckpointAccess = { priceSats: 0, tokenSeconds: 3_600 };

export interface TrainingHandlerDeps {
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
}

interface Prechecked {
  gradient: Gradient;
  payloadBytes: Buffer;
  submission: ReturnType<typeof submissionOf>;
  /** Null for a round that is gone (its run ended) when the request presents a paid stake: see precheckGradient. */
  round: RoundStatus | null;
}

const submissionOf = (gradient: Gradient, payloadBytes: Buffer) => ({
  peerId: gradient.peerId,
  round: gradient.round,
  checkpointHash: gradient.checkpointHash,
  payload: storedPayloadOf(payloadBytes),
  earnerPublicKey: gradient.nodePubkey,
});

export function trainingHandlers({
  temporal,
  training,
  blobs,
  ledger,
  runId,
  settings,
  checkpointAccess = FREE_CHECKPOINT,
}: TrainingHandlerDeps) {
  const run = () => temporal.workflow.getHandle(trainingRunWorkflowId(runId));
  const roundStatus = async (round: number): Promise<RoundStatus | null> => {
    try {
      return await temporal.workflow.getHandle(trainingRoundWorkflowId(runId, round)).query(roundStatusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  };
  const prechecked = new WeakMap<Request, Prechecked>();
  const stakeOf = (req: Request) => {
    const checked = prechecked.get(req);
    return checked ? (checked.round?.settings ?? settings).stakeSats : 0;
  };

  return {
    /** The current global weights (float32 little-endian, base64) and the round they are for. */
    checkpoint: route({}, async (_input, _req, res) => {
      const status = await run().query(runStatusQuery);
      const checkpoint = await training.checkpoint(status.checkpointHash);
      if (!checkpoint) throw new ApiError('NO_CHECKPOINT', 'the run has no checkpoint yet');
      const round = await roundStatus(status.round);
      res.json({
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
      });
    }),

    /** Everything the round would refuse, checked before the stake gate issues an invoice or anything starts. */
    precheckGradient: ((req: Request, _res: Response, next: NextFunction) => {
      (async () => {
        const gradient = GradientBody.parse(req.body ?? {});
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
        prechecked.set(req, { gradient, payloadBytes, submission, round });
      })().then(
        () => next(),
        (err: unknown) => next(err),
      );
    }) satisfies RequestHandler,

    stakePrice: stakeOf,
    needsStake: (req: Request): boolean => stakeOf(req) > 0,
    /** A stake token is bound to the parsed update (peer, round, checkpoint, payload, node) it staked. */
    stakeBodySha256: (req: Request): string => canonicalSha256((prechecked.get(req) as Prechecked).gradient),

    /** Submits one update for the open round; answers with the escrow the peer follows to be paid. */
    gradient: (async (req: Request, res: Response, next: NextFunction) => {
      try {
        const { gradient, payloadBytes, submission } = prechecked.get(req) as Prechecked;
        const stakeSats = stakeOf(req);
        let stake: HeldStake | null = null;
        if (stakeSats > 0) {
          stake = await heldStakeOf(res, ledger, BigInt(stakeSats));
          if (!stake) {
            throw new ApiError('STAKE_MISMATCH', `that stake does not cover ${stakeSats} sats`);
          }
        }
        // Stored before the round hears of it, so every activity finds it by hash; bytes a refusal leaves behind
        // are content-addressed and harmless.
        await blobs.put(payloadBytes);
        const handle = temporal.workflow.getHandle(trainingRoundWorkflowId(runId, gradient.round));
        const accepted = await handle
          .executeUpdate(submitGradientUpdate, { args: [{ ...submission, stake }] })
          .catch(async (err: unknown) => {
            // Refused after the stake was paid (e.g. the round closed meanwhile): the stake goes back at once.
            const gone = err instanceof WorkflowNotFoundError;
            if (stake && (gone || err instanceof WorkflowUpdateFailedError))
              await refundStake(temporal, stake);
            // The token priced a body for a round that existed then: a round not found now has closed.
            throw gone ? new ApiError('ROUND_CLOSED', `round ${gradient.round} has closed`) : err;
          });
        res
          .status(202)
          .json({ ...accepted, escrow: `/escrows/${accepted.escrowId}`, stake: stake?.paymentHash ?? null });
      } catch (err) {
        next(err);
      }
    }) satisfies RequestHandler,

    /** The payout rule as data: what a loss improvement earns, in which tranches, under which escrow limits. */
    rewardSchedule: route({}, async (_input, _req, res) => {
      const liquidity = settings.escrow.liquidity ?? DEFAULT_EARNER_LIQUIDITY;
      const cltvDeltas = acceptedCltvDeltas({
        safetyMarginBlocks: MIN_SAFETY_MARGIN_BLOCKS,
        maxCltvDelta: settings.escrow.maxInvoiceCltvDelta,
      });
      res.json({
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
        stakeRule: 'a stake is forfeited for a malformed payload or a copy, refunded for every other outcome',
        checkpointPriceSats: checkpointAccess.priceSats,
      });
    }),

    currentRound: route({}, async (_input, _req, res) => {
      const status = await run().query(runStatusQuery);
      res.json({ runId, state: status.state, round: status.round, status: await roundStatus(status.round) });
    }),

    round: route({ params: RoundParams }, async ({ params }, _req, res) => {
      const [status, submissions] = await Promise.all([
        roundStatus(params.n),
        training.submissions(runId, params.n),
      ]);
      if (!status && submissions.length === 0)
        throw new ApiError('NOT_FOUND', `round ${params.n} has not opened`);
      res.json({
        runId,
        round: params.n,
        status,
        decided: submissions,
      });
    }),

    submission: route({ params: SubmissionParams }, async ({ params }, _req, res) => {
      const row = await training.submission(params.id);
      if (!row || row.round !== params.n || row.runId !== runId) {
        throw new ApiError('NOT_FOUND', `no decided submission ${params.id} in round ${params.n}`);
      }
      res.json(row);
    }),
  };
}
