import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TrainingRepository } from '../../db/repos/training';
import { weightBytes } from '../../db/repos/training';
import { splitIntoTranches } from '../../economics/tranches';
import { DEFAULT_MODEL } from '../../model/config';
import type { RoundSettings, RoundStatus } from '../../workflows/training-definitions';
import {
  roundStatusQuery,
  runStatusQuery,
  submitGradientUpdate,
  trainingRoundWorkflowId,
  trainingRunWorkflowId,
} from '../../workflows/training-definitions';
import { ApiError } from '../errors';
import { route } from '../validate';
import { GradientBody, RoundParams, SubmissionParams } from './schema';

export interface TrainingHandlerDeps {
  temporal: Client;
  training: TrainingRepository;
  /** The run this coordinator serves on the published paths. */
  runId: string;
  settings: RoundSettings;
}

/** Decided submissions as the API shows them: the payload bytes stay out (its hash is there). */
function withoutPayload<Row extends { payload: Uint8Array }>(row: Row): Omit<Row, 'payload'> {
  const shown: Partial<Row> = { ...row };
  delete shown.payload;
  return shown as Omit<Row, 'payload'>;
}

export function trainingHandlers({ temporal, training, runId, settings }: TrainingHandlerDeps) {
  const run = () => temporal.workflow.getHandle(trainingRunWorkflowId(runId));
  const roundStatus = async (round: number): Promise<RoundStatus | null> => {
    try {
      return await temporal.workflow.getHandle(trainingRoundWorkflowId(runId, round)).query(roundStatusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  };

  return {
    /** The current global weights (float32 little-endian, base64) and the round they are for. */
    checkpoint: route({}, async (_input, _req, res) => {
      const status = await run().query(runStatusQuery);
      const checkpoint = await training.checkpoint(status.checkpointHash);
      if (!checkpoint)
        throw new ApiError('NO_CHECKPOINT', 'the run has no checkpoint yet', 503, 'Retry in a few seconds.');
      const round = await roundStatus(status.round);
      res.json({
        runId,
        round: status.round,
        state: status.state,
        checkpointHash: checkpoint.hash,
        model: DEFAULT_MODEL,
        weights: weightBytes(checkpoint.weights).toString('base64'),
        roundOpen: round?.phase === 'open',
        closesAt: round ? new Date(round.closesAt).toISOString() : null,
      });
    }),

    /** Submits one update for the open round; answers with the escrow the peer follows to be paid. */
    gradient: route({ body: GradientBody }, async ({ body }, _req, res) => {
      const handle = temporal.workflow.getHandle(trainingRoundWorkflowId(runId, body.round));
      const accepted = await handle.executeUpdate(submitGradientUpdate, {
        args: [
          {
            peerId: body.peerId,
            round: body.round,
            checkpointHash: body.checkpointHash,
            payloadBase64: body.payload,
            earnerPublicKey: body.nodePubkey,
          },
        ],
      });
      res.status(202).json({ ...accepted, escrow: `/escrows/${accepted.escrowId}` });
    }),

    /** The payout rule as data: what a loss improvement earns, in which tranches, under which escrow limits. */
    rewardSchedule: route({}, async (_input, _req, res) => {
      res.json({
        payout: settings.payout,
        trancheSats: splitIntoTranches(settings.payout.capSats, settings.payout.trancheCount),
        rule: 'reward = min(capSats, rateSatsPerUnit × max(0, lossBefore − lossAfter)), revealed in whole tranches',
        acceptance: settings.decision,
        outerLearningRate: settings.outerLearningRate,
        holdWindow: {
          invoiceWithinSeconds: settings.escrow.invoiceWithinSeconds,
          decideWithinSeconds: settings.escrow.decideWithinSeconds,
        },
        cltvBudget: {
          maxInvoiceCltvDelta: settings.escrow.maxInvoiceCltvDelta,
          routingCltvBlocks: settings.escrow.routingCltvBlocks,
        },
        fees: settings.escrow.fees,
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
        throw new ApiError('NOT_FOUND', `round ${params.n} has not opened`, 404);
      res.json({
        runId,
        round: params.n,
        status,
        decided: submissions.map(withoutPayload),
      });
    }),

    submission: route({ params: SubmissionParams }, async ({ params }, _req, res) => {
      const row = await training.submission(params.id);
      if (!row || row.round !== params.n || row.runId !== runId) {
        throw new ApiError('NOT_FOUND', `no decided submission ${params.id} in round ${params.n}`, 404);
      }
      res.json(withoutPayload(row));
    }),
  };
}
