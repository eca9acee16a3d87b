import { decodeUpdate, decompress, IndexCoding } from '../../../kernels';
import { initialWeights, weightShapes } from '../../../model/config';
import { ReferencePeer } from '../../../model/peer';
import { DEFAULT_INNER_TRAINING, trainInner } from '../../../model/trainer';

const config = { context: 4, embedding: 4, hidden: 16 };
const shard = Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(40), 'latin1');

describe('trainInner', () => {
  const start = initialWeights(config, 3);
  const options = { ...DEFAULT_INNER_TRAINING, steps: 40, learningRate: 1e-2, seed: 7 };

  it('lowers the training loss over its steps', () => {
    const { losses } = trainInner(config, start, shard, options);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.8);
  });

  it('returns the pseudo-gradient start − end and leaves the start weights alone', () => {
    const copy = Float32Array.from(start);
    const { endWeights, pseudoGradient } = trainInner(config, start, shard, options);
    expect(start).toEqual(copy);
    for (let i = 0; i < start.length; i += 37)
      expect(pseudoGradient[i]).toBeCloseTo(start[i]! - endWeights[i]!, 6);
  });

  it('is deterministic for a seed and reports every step', () => {
    const steps: number[] = [];
    const a = trainInner(config, start, shard, { ...options, onStep: (step) => steps.push(step) });
    const b = trainInner(config, start, shard, options);
    expect(a.endWeights).toEqual(b.endWeights);
    expect(steps).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

describe('ReferencePeer', () => {
  it('sends a decodable compressed update of its pseudo-gradient and keeps the rest as residual', () => {
    const peer = new ReferencePeer({
      config,
      shard,
      compression: { chunkSize: 64, k: 4 },
      indexCoding: IndexCoding.RiceGaps,
      errorFeedbackDecay: 0.95,
      training: { ...DEFAULT_INNER_TRAINING, steps: 5 },
    });
    const weights = initialWeights(config, 1);
    const first = peer.trainRound(weights, 1);
    const decoded = decodeUpdate(first.payload);
    expect(decoded.shapes).toEqual(weightShapes(config));
    expect(decompress(decoded)).toEqual(decompress(first.update));
    const second = peer.trainRound(weights, 1);
    // same training, but the residual now carries what round one left out
    expect(Buffer.from(second.payload).equals(Buffer.from(first.payload))).toBe(false);
  });
});
