/** @jest-environment ./test/unit/model/onnx-environment.js */
import { compress, encodeUpdate, IndexCoding, KernelError } from '../../../kernels';
import { initialWeights, weightShapes } from '../../../model/config';
import { createOnnxScorer, type Scorer } from '../../../model/score';
import { scorePayload } from '../../../model/submission';
import { DEFAULT_INNER_TRAINING, trainInner } from '../../../model/trainer';

const config = { context: 4, embedding: 4, hidden: 16 };
const text = Buffer.from('she sells sea shells by the sea shore. '.repeat(50), 'latin1');

describe('scorePayload', () => {
  let scorer: Scorer;
  beforeAll(async () => {
    scorer = await createOnnxScorer({ config, heldOut: text, batchSize: 128, outerLearningRate: 1 });
  });
  afterAll(() => scorer.close());

  it('decodes, scores and gathers the evidence a round decision needs', async () => {
    const weights = initialWeights(config, 1);
    const { pseudoGradient } = trainInner(config, weights, text, {
      ...DEFAULT_INNER_TRAINING,
      steps: 10,
      seed: 2,
    });
    const payload = encodeUpdate(
      compress(pseudoGradient, weightShapes(config), { chunkSize: 64, k: 8 }),
      IndexCoding.RiceGaps,
    );
    const scored = await scorePayload(scorer, weights, 'peer-a', payload, 3);
    expect(scored.evidence.submissionId).toBe('peer-a');
    expect(scored.evidence.payloadHash).toMatch(/^[0-9a-f]{64}$/);
    expect(scored.evidence.lossDelta).toBe(scored.score.delta);
    expect(scored.score.delta).toBeGreaterThan(0);
    expect(scored.evidence.norm).toBeGreaterThan(0);
    const positions = Array.from(scored.evidence.keptPositions);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('lets a malformed payload fail with its kernel error code', async () => {
    await expect(
      scorePayload(scorer, initialWeights(config, 1), 'x', new Uint8Array(40), 1),
    ).rejects.toBeInstanceOf(KernelError);
  });
});
