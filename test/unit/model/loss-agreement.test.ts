/** @jest-environment ./test/unit/model/onnx-environment.js */
import { sampleBatch } from '../../../model/batch';
import { DEFAULT_MODEL, initialWeights, type ModelConfig } from '../../../model/config';
import { forwardLoss, MlpWorkspace } from '../../../model/mlp';
import { createOnnxScorer, type Scorer } from '../../../model/score';
import { trainInner, DEFAULT_INNER_TRAINING } from '../../../model/trainer';

const text = Buffer.from(
  'The jury further said in term-end presentments that the City Executive Committee, which had over-all charge of the election, deserves the praise and thanks of the City of Atlanta. '.repeat(
    20,
  ),
  'latin1',
);

describe.each<[string, ModelConfig]>([
  ['default', DEFAULT_MODEL],
  ['tiny', { context: 3, embedding: 4, hidden: 7 }],
])('ONNX loss graph vs the TypeScript forward pass (%s model)', (_name, config) => {
  let scorer: Scorer;

  beforeAll(async () => {
    scorer = await createOnnxScorer({ config, heldOut: text, batchSize: 256, outerLearningRate: 1 });
  });

  afterAll(() => scorer.close());

  it.each([1, 2, 3])('agrees to 1e-5 relative on fresh weights (seed %i)', async (seed) => {
    const weights = initialWeights(config, seed);
    const batch = sampleBatch(text, 256, config.context, seed * 97);
    const onnx = await scorer.loss(weights, batch);
    const typescript = forwardLoss(weights, batch, new MlpWorkspace(config, 256));
    expect(Math.abs(onnx - typescript) / typescript).toBeLessThan(1e-5);
    expect(await scorer.loss(weights, batch)).toBe(onnx);
  });

  it('agrees on trained weights, and training lowers the loss the graph reports', async () => {
    const start = initialWeights(config, 9);
    const { endWeights } = trainInner(config, start, text, { ...DEFAULT_INNER_TRAINING, steps: 15, seed: 4 });
    const batch = scorer.heldOutBatch(5);
    const onnx = await scorer.loss(endWeights, batch);
    const typescript = forwardLoss(endWeights, batch, new MlpWorkspace(config, batch.size));
    expect(Math.abs(onnx - typescript) / typescript).toBeLessThan(1e-5);
    expect(onnx).toBeLessThan(await scorer.loss(start, batch));
  });

  it('scores an update as the loss change of weights − lr·update', async () => {
    const weights = initialWeights(config, 2);
    const { pseudoGradient } = trainInner(config, weights, text, {
      ...DEFAULT_INNER_TRAINING,
      steps: 10,
      seed: 8,
    });
    const helpful = await scorer.score(weights, pseudoGradient, 11);
    const harmful = await scorer.score(
      weights,
      pseudoGradient.map((v) => -v),
      11,
    );
    expect(helpful.delta).toBeCloseTo(helpful.lossBefore - helpful.lossAfter, 12);
    expect(helpful.delta).toBeGreaterThan(0);
    expect(harmful.delta).toBeLessThan(0);
    expect(harmful.lossBefore).toBe(helpful.lossBefore);
  });
});
