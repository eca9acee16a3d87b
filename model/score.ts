import { InferenceSession, Tensor } from 'onnxruntime-node';
import { applyOuterStep } from '../kernels';
import { type Batch, sampleBatch } from './batch';
import { type ModelConfig, weightLayout } from './config';
import { buildLossModel, CONTEXT_INPUT, LOSS_OUTPUT, TARGET_INPUT } from './onnx-graph';

export interface ScoreResult {
  /** held-out loss of the current weights */
  readonly lossBefore: number;
  /** held-out loss after the outer step with the update */
  readonly lossAfter: number;
  /** lossBefore − lossAfter: positive when the update helps */
  readonly delta: number;
}

export type ExecutionProvider = 'cpu' | 'cuda';

export interface ScorerOptions {
  readonly config: ModelConfig;
  readonly heldOut: Uint8Array;
  readonly batchSize: number;
  readonly outerLearningRate: number;
  readonly executionProvider?: ExecutionProvider;
}

export interface Scorer {
  /** Loss before and after weights − outerLearningRate·update, on the held-out batch drawn from the seed. */
  score(weights: Float32Array, update: Float32Array, heldOutBatchSeed: number): Promise<ScoreResult>;
  loss(weights: Float32Array, batch: Batch): Promise<number>;
  heldOutBatch(seed: number): Batch;
  close(): Promise<void>;
}

/** One ONNX Runtime session for the loss graph; CPU unless CUDA is asked for (needs a CUDA build of the runtime). */
export async function createOnnxScorer(options: ScorerOptions): Promise<Scorer> {
  const { config } = options;
  const session = await InferenceSession.create(buildLossModel(config), {
    executionProviders: [options.executionProvider ?? 'cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
  });
  const layout = weightLayout(config);

  const heldOutBatch = (seed: number) =>
    sampleBatch(options.heldOut, options.batchSize, config.context, seed);

  const loss = async (weights: Float32Array, batch: Batch): Promise<number> => {
    const feeds: Record<string, Tensor> = {
      [CONTEXT_INPUT]: new Tensor('int32', batch.contexts, [batch.size, config.context]),
      [TARGET_INPUT]: new Tensor('int32', batch.targets, [batch.size]),
    };
    for (const slot of layout)
      feeds[slot.name] = new Tensor('float32', weights.subarray(slot.offset, slot.offset + slot.size), [
        ...slot.shape,
      ]);
    const result = await session.run(feeds);
    return Number((result[LOSS_OUTPUT]!.data as Float32Array)[0]);
  };

  return {
    heldOutBatch,
    loss,
    async score(weights, update, heldOutBatchSeed) {
      const batch = heldOutBatch(heldOutBatchSeed);
      const lossBefore = await loss(weights, batch);
      const lossAfter = await loss(applyOuterStep(weights, update, options.outerLearningRate), batch);
      return { lossBefore, lossAfter, delta: lossBefore - lossAfter };
    },
    close: () => session.release(),
  };
}
