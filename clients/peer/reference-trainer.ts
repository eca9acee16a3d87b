import { encodeUpdate, IndexCoding } from '../../kernels';
import { SIGN_BIT } from '../../kernels/sparseloco';
import { DEFAULT_MODEL } from '../../model/config';
import { loadBrownCorpus, trainingShard } from '../../model/corpus';
import { ReferencePeer } from '../../model/peer';
import { deriveSeed } from '../../model/prng';
import { DEFAULT_INNER_TRAINING } from '../../model/trainer';

export interface ReferenceTrainerOptions {
  /** Which shard of the training split this peer trains on, of `shards`. */
  shard: number;
  shards: number;
  /** Submit sign-flipped updates: a poisoner the coordinator must reject. */
  poison?: boolean;
  onStep?: (step: number, loss: number) => void;
}

/** The reference peer as a `train(weights, round) → payload` function: AdamW inner steps, error feedback, SparseLoCo. */
export function referenceTrainer(
  options: ReferenceTrainerOptions,
): (weights: Float32Array, round: number) => Uint8Array {
  const peer = new ReferencePeer({
    config: DEFAULT_MODEL,
    shard: trainingShard(loadBrownCorpus().train, options.shard, options.shards),
    compression: { chunkSize: 4096, k: 64 },
    indexCoding: IndexCoding.RiceGaps,
    errorFeedbackDecay: 0.95,
    training: { ...DEFAULT_INNER_TRAINING, ...(options.onStep ? { onStep: options.onStep } : {}) },
  });
  return (weights, round) => {
    const { update, payload } = peer.trainRound(weights, deriveSeed(7, round, options.shard));
    if (!options.poison) return payload;
    return encodeUpdate(
      { ...update, codes: update.codes.map((code) => code ^ SIGN_BIT) },
      IndexCoding.RiceGaps,
    );
  };
}
