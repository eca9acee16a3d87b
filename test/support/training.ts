import { encodeUpdate, IndexCoding } from '../../kernels';
import { SIGN_BIT } from '../../kernels/sparseloco';
import { DEFAULT_MODEL } from '../../model/config';
import { loadBrownCorpus, trainingShard } from '../../model/corpus';
import { DEFAULT_DECISION_RULE } from '../../model/decide';
import { ReferencePeer } from '../../model/peer';
import { deriveSeed } from '../../model/prng';
import { DEFAULT_INNER_TRAINING } from '../../model/trainer';
import type { RoundSettings } from '../../workflows/training-definitions';

export function roundSettings(peers: string[]): RoundSettings {
  return {
    peers,
    submitWithinSeconds: 120,
    scoreWithinSeconds: 120,
    payout: { kind: 'linear-capped', capSats: 3_000, rateSatsPerUnit: 20_000, trancheCount: 3 },
    decision: DEFAULT_DECISION_RULE,
    outerLearningRate: 2,
    maxPayloadBytes: 200_000,
    escrow: {
      invoiceWithinSeconds: 60,
      decideWithinSeconds: 300,
      maxInvoiceCltvDelta: 80,
      routingCltvBlocks: 40,
      fees: { ppm: 1_000, baseSats: 1, maxSats: 100 },
    },
  };
}

/** Reference trainers on disjoint shards; `poison` flips the sign of every kept value (a sign-flip poisoner). */
export function referenceTrainer(index: number, shards: number, poison = false) {
  const corpus = loadBrownCorpus();
  const peer = new ReferencePeer({
    config: DEFAULT_MODEL,
    shard: trainingShard(corpus.train, index, shards),
    compression: { chunkSize: 4096, k: 64 },
    indexCoding: IndexCoding.RiceGaps,
    errorFeedbackDecay: 0.95,
    training: DEFAULT_INNER_TRAINING,
  });
  return (weights: Float32Array, round: number): Uint8Array => {
    const { update, payload } = peer.trainRound(weights, deriveSeed(7, round, index));
    if (!poison) return payload;
    return encodeUpdate(
      { ...update, codes: update.codes.map((code) => code ^ SIGN_BIT) },
      IndexCoding.RiceGaps,
    );
  };
}
