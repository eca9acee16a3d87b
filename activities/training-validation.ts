import { Context } from '@temporalio/activity';
import { aggregate, applyOuterStep, decodeUpdate, KernelError } from '../kernels';
import type { TrainingRepository } from '../db/repos/training';
import { initialWeights, weightShapes } from '../model/config';
import type { ModelConfig } from '../model/config';
import type { Scorer } from '../model/score';
import { scorePayload } from '../model/submission';
import { permanentFailure } from './errors';

export interface TrainingValidationDeps {
  training: TrainingRepository;
  model: ModelConfig;
  /** An ONNX Runtime session over the held-out split for an outer learning rate (CPU, or CUDA where asked). */
  scorer: (outerLearningRate: number) => Promise<Scorer>;
}

/** What the round's pure decision needs from one scored submission (positions as plain numbers for history). */
export interface SubmissionEvidence {
  submissionId: string;
  payloadHash: string;
  keptPositions: number[];
  lossDelta: number;
  norm: number;
}

export type PrecheckResult = { ok: true } | { ok: false; code: string; message: string };

export interface ScoredGradient {
  evidence: SubmissionEvidence;
  lossBefore: number;
  lossAfter: number;
}

const sameShapes = (a: readonly (readonly number[])[], b: readonly (readonly number[])[]) =>
  a.length === b.length &&
  a.every((shape, t) => shape.length === b[t]!.length && shape.every((d, i) => d === b[t]![i]));

/** Scoring and aggregation for training rounds: run by validation workers, the only ones that load the model. */
export function trainingValidationActivities({ training, model, scorer }: TrainingValidationDeps) {
  async function weightsOf(checkpointHash: string): Promise<Float32Array> {
    const checkpoint = await training.checkpoint(checkpointHash);
    if (!checkpoint) throw permanentFailure('CHECKPOINT_NOT_FOUND', `no checkpoint ${checkpointHash}`);
    return checkpoint.weights;
  }

  return {
    async createInitialCheckpoint(input: { runId: string; seed: number }): Promise<string> {
      return training.saveCheckpoint(input.runId, 0, initialWeights(model, input.seed), null);
    },

    /** The cheap checks before any escrow: the payload decodes, is for this model's tensors, holds finite values. */
    async precheckGradient(input: { payloadBase64: string }): Promise<PrecheckResult> {
      try {
        const update = decodeUpdate(Buffer.from(input.payloadBase64, 'base64'));
        if (!sameShapes(update.shapes, weightShapes(model))) {
          return {
            ok: false,
            code: 'GRADIENT_SHAPE_MISMATCH',
            message: "the update's tensor shapes are not the model's",
          };
        }
        return { ok: true };
      } catch (err) {
        if (err instanceof KernelError) return { ok: false, code: err.code, message: err.message };
        throw err;
      }
    },

    /** Loss before and after this update alone on the held-out batch of the round's seed (deterministic on CPU). */
    async scoreGradient(input: {
      submissionId: string;
      checkpointHash: string;
      payloadBase64: string;
      heldOutSeed: number;
      outerLearningRate: number;
    }): Promise<ScoredGradient> {
      Context.current().heartbeat('scoring');
      const scored = await scorePayload(
        await scorer(input.outerLearningRate),
        await weightsOf(input.checkpointHash),
        input.submissionId,
        Buffer.from(input.payloadBase64, 'base64'),
        input.heldOutSeed,
      );
      return {
        lossBefore: scored.score.lossBefore,
        lossAfter: scored.score.lossAfter,
        evidence: { ...scored.evidence, keptPositions: Array.from(scored.evidence.keptPositions) },
      };
    },

    /** SparseLoCo sparse mean of the accepted updates, the outer step, and the new checkpoint stored by hash. */
    async aggregateRound(input: {
      runId: string;
      round: number;
      checkpointHash: string;
      acceptedPayloads: string[];
      outerLearningRate: number;
      heldOutSeed: number;
    }): Promise<{ checkpointHash: string; heldOutLoss: number }> {
      const weights = await weightsOf(input.checkpointHash);
      const next =
        input.acceptedPayloads.length === 0
          ? weights
          : applyOuterStep(
              weights,
              aggregate(
                input.acceptedPayloads.map((payload) => decodeUpdate(Buffer.from(payload, 'base64'))),
              ),
              input.outerLearningRate,
            );
      const activeScorer = await scorer(input.outerLearningRate);
      const heldOutLoss = await activeScorer.loss(next, activeScorer.heldOutBatch(input.heldOutSeed));
      const checkpointHash = await training.saveCheckpoint(input.runId, input.round + 1, next, heldOutLoss);
      return { checkpointHash, heldOutLoss };
    },
  };
}

export type TrainingValidationActivities = ReturnType<typeof trainingValidationActivities>;
