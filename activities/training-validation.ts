import { Context } from '@temporalio/activity';
import { aggregate, applyOuterStep, type CompressedUpdate, type WireSettings } from '../kernels';
import type { BlobStore } from '../db/blobs';
import type { TrainingRepository } from '../db/repos/training';
import { initialWeights, weightShapes } from '../model/config';
import type { ModelConfig } from '../model/config';
import { checkPayload } from '../domain/training/payload-check';
import type { Scorer } from '../model/score';
import { scoreUpdate } from '../model/submission';
import { WATCH_HEARTBEAT_MS } from '../temporal-config';
import { L402TrainError } from '../domain/l402-train-error';

export interface TrainingValidationDeps {
  training: TrainingRepository;
  /** Where the API stored each payload: read by hash, checked on every read. */
  blobs: BlobStore;
  model: ModelConfig;
  /** An ONNX Runtime session over the held-out split for an outer learning rate (CPU, or CUDA where asked). */
  scorer: (outerLearningRate: number) => Promise<Scorer>;
}

/** What the round's pure decision needs from one scored submission (positions as plain numbers for history). */
export interface ScoringEvidence {
  submissionId: string;
  payloadHash: string;
  keptPositions: number[];
  lossDelta: number;
  norm: number;
}

/** A payload refused for what its sender wrote: a stable code, never a thrown error. */
export interface PayloadRefused {
  ok: false;
  code: string;
  message: string;
}

export type PrecheckResult = { ok: true } | PayloadRefused;

export interface ScoredGradient {
  ok: true;
  evidence: ScoringEvidence;
  lossBefore: number;
  lossAfter: number;
}

/** An update the round aggregated without, and why (the same check as the pre-check and the scorer). */
export interface SkippedUpdate {
  submissionId: string;
  code: string;
}

export interface AggregatedRound {
  checkpointHash: string;
  heldOutLoss: number;
  /** Accepted submissions left out of the sparse mean, in the order given; empty when every one decoded. */
  skipped: SkippedUpdate[];
}

/**
 * Runs `work` heartbeating all along, so a worker that dies mid-way is noticed within the profile's heartbeat
 * timeout (a retry then runs on another worker) instead of at the end of its start-to-close timeout.
 */
async function heartbeating<T>(progress: string, work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat(progress);
  const beat = setInterval(() => context.heartbeat(progress), WATCH_HEARTBEAT_MS);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}

/** Scoring and aggregation for training rounds: run by validation workers, the only ones that load the model. */
export function trainingValidationActivities({ training, blobs, model, scorer }: TrainingValidationDeps) {
  async function weightsOf(checkpointHash: string): Promise<Float32Array> {
    const checkpoint = await training.checkpoint(checkpointHash);
    if (!checkpoint) throw new L402TrainError('CHECKPOINT_NOT_FOUND', `no checkpoint ${checkpointHash}`);
    return checkpoint.weights;
  }

  const check = (payload: Uint8Array, compression: WireSettings) =>
    checkPayload(payload, { shapes: weightShapes(model), compression });
  const payloadOf = (sha256: string) => blobs.get(sha256);

  return {
    async createInitialCheckpoint(input: { runId: string; seed: number }): Promise<string> {
      return training.saveCheckpoint(input.runId, 0, initialWeights(model, input.seed), null);
    },

    /**
     * The cheap checks before any escrow: the payload declares the run's compression, decodes (finite scales,
     * indices in range), and is for this model's tensors.
     */
    async precheckGradient(input: {
      payloadSha256: string;
      compression: WireSettings;
    }): Promise<PrecheckResult> {
      const checked = check(await payloadOf(input.payloadSha256), input.compression);
      return checked.ok ? { ok: true } : checked;
    },

    /**
     * Loss before and after this update alone on the held-out batch of the round's seed (deterministic on CPU).
     * The payload is held to the run again first: what scores here is what the aggregator takes.
     */
    async scoreGradient(input: {
      submissionId: string;
      checkpointHash: string;
      payloadSha256: string;
      compression: WireSettings;
      heldOutSeed: number;
      outerLearningRate: number;
    }): Promise<ScoredGradient | PayloadRefused> {
      return heartbeating<ScoredGradient | PayloadRefused>('scoring', async () => {
        const payload = await payloadOf(input.payloadSha256);
        const checked = check(payload, input.compression);
        if (!checked.ok) return checked;
        const scored = await scoreUpdate(
          await scorer(input.outerLearningRate),
          await weightsOf(input.checkpointHash),
          input.submissionId,
          payload,
          checked.update,
          input.heldOutSeed,
        );
        return {
          ok: true,
          lossBefore: scored.score.lossBefore,
          lossAfter: scored.score.lossAfter,
          evidence: { ...scored.evidence, keptPositions: Array.from(scored.evidence.keptPositions) },
        };
      });
    },

    /**
     * SparseLoCo sparse mean of the accepted updates, the outer step, and the new checkpoint stored by hash. An
     * update that does not pass the run's payload check is left out and named, never the round's failure.
     */
    async aggregateRound(input: {
      runId: string;
      round: number;
      checkpointHash: string;
      accepted: { submissionId: string; payloadSha256: string }[];
      compression: WireSettings;
      outerLearningRate: number;
      heldOutSeed: number;
    }): Promise<AggregatedRound> {
      return heartbeating('aggregating', async () => {
        const weights = await weightsOf(input.checkpointHash);
        const updates: CompressedUpdate[] = [];
        const skipped: SkippedUpdate[] = [];
        for (const { submissionId, payloadSha256 } of input.accepted) {
          const checked = check(await payloadOf(payloadSha256), input.compression);
          if (checked.ok) updates.push(checked.update);
          else skipped.push({ submissionId, code: checked.code });
        }
        const next =
          updates.length === 0
            ? weights
            : applyOuterStep(weights, aggregate(updates), input.outerLearningRate);
        const activeScorer = await scorer(input.outerLearningRate);
        const heldOutLoss = await activeScorer.loss(next, activeScorer.heldOutBatch(input.heldOutSeed));
        const checkpointHash = await training.saveCheckpoint(input.runId, input.round + 1, next, heldOutLoss);
        return { checkpointHash, heldOutLoss, skipped };
      });
    },
  };
}

export type TrainingValidationActivities = ReturnType<typeof trainingValidationActivities>;
