import { sampleBatch } from '../../../model/batch';
import { initialWeights, parameterCount, weightLayout } from '../../../model/config';
import { forwardLoss, lossAndGradient, MlpWorkspace } from '../../../model/mlp';

describe('backpropagation', () => {
  const config = { context: 3, embedding: 2, hidden: 5 };
  const text = Buffer.from('abracadabra, a cadaver for a candelabra', 'latin1');
  const batch = sampleBatch(text, 6, config.context, 3);
  const workspace = new MlpWorkspace(config, batch.size);

  it.each(weightLayout(config).map((slot) => [slot.name, slot] as const))(
    'matches central finite differences for %s',
    (_name, slot) => {
      const weights = initialWeights(config, 5);
      // non-zero biases so their gradients are exercised away from the origin
      for (let i = 0; i < weights.length; i++) weights[i] = weights[i]! + 0.05 * Math.sin(i);
      const gradient = new Float32Array(parameterCount(config));
      lossAndGradient(weights, batch, workspace, gradient);
      const step = 1e-2;
      const positions =
        slot.name === 'embedding' ? textPositions(batch.contexts, config.embedding) : range(slot.size);
      for (const local of positions.slice(0, 12)) {
        const i = slot.offset + local;
        const original = weights[i]!;
        weights[i] = original + step;
        const up = forwardLoss(weights, batch, workspace);
        weights[i] = original - step;
        const down = forwardLoss(weights, batch, workspace);
        weights[i] = original;
        const numeric = (up - down) / (weights[i]! + step - (weights[i]! - step));
        expect(Math.abs(gradient[i]! - numeric)).toBeLessThan(1e-4 + 1e-3 * Math.abs(numeric));
      }
    },
  );
});

function range(size: number): number[] {
  return Array.from({ length: size }, (_, i) => i);
}

/** Embedding rows of bytes that occur in the batch: the only rows with a non-zero gradient. */
function textPositions(contexts: Int32Array, width: number): number[] {
  return [...new Set(contexts)].flatMap((token) => range(width).map((e) => token * width + e));
}
