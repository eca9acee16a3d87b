import { createHash } from 'node:crypto';
import { type CompressedUpdate, decodeUpdate, decompress, fullChunkPositions, updateNorm } from '../kernels';
import type { ScoredSubmission } from '../domain/training/decide';
import type { Scorer, ScoreResult } from './score';

export interface ScoredPayload {
  readonly update: CompressedUpdate;
  readonly score: ScoreResult;
  /** the evidence `decideRound` needs, with nothing else */
  readonly evidence: ScoredSubmission;
}

/**
 * The coordinator's side of one submission: decode (a malformed payload throws a KernelError with its code),
 * score the update against the held-out batch of the seed, and gather the evidence for the round's decision.
 */
export async function scorePayload(
  scorer: Scorer,
  weights: Float32Array,
  submissionId: string,
  payload: Uint8Array,
  heldOutBatchSeed: number,
): Promise<ScoredPayload> {
  return scoreUpdate(scorer, weights, submissionId, payload, decodeUpdate(payload), heldOutBatchSeed);
}

/** `scorePayload` of an update its caller decoded (and checked) already. */
export async function scoreUpdate(
  scorer: Scorer,
  weights: Float32Array,
  submissionId: string,
  payload: Uint8Array,
  update: CompressedUpdate,
  heldOutBatchSeed: number,
): Promise<ScoredPayload> {
  const score = await scorer.score(weights, decompress(update), heldOutBatchSeed);
  return {
    update,
    score,
    evidence: {
      submissionId,
      payloadHash: createHash('sha256').update(payload).digest('hex'),
      keptPositions: fullChunkPositions(update),
      lossDelta: score.delta,
      norm: updateNorm(update),
    },
  };
}
