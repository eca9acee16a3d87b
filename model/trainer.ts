import { sampleBatch } from './batch';
import type { ModelConfig } from './config';
import { deriveSeed } from './prng';
import { lossAndGradient, MlpWorkspace } from './mlp';

export interface InnerTrainingOptions {
  /** H: inner AdamW steps per round */
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** batches are drawn from deriveSeed(seed, step) */
  readonly seed: number;
  readonly onStep?: (step: number, loss: number) => void;
}

export const DEFAULT_INNER_TRAINING: Omit<InnerTrainingOptions, 'seed'> = {
  steps: 50,
  batchSize: 64,
  learningRate: 3e-3,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.99,
  epsilon: 1e-8,
};

export interface InnerTrainingResult {
  readonly endWeights: Float32Array;
  /** start − end: the direction an outer step subtracts, as DiLoCo's outer gradient */
  readonly pseudoGradient: Float32Array;
  readonly losses: Float64Array;
}

/** H steps of AdamW (decoupled weight decay, bias-corrected moments) from `startWeights` on the shard. */
export function trainInner(
  config: ModelConfig,
  startWeights: Float32Array,
  shard: Uint8Array,
  options: InnerTrainingOptions,
): InnerTrainingResult {
  const weights = Float32Array.from(startWeights);
  const gradient = new Float32Array(weights.length);
  const firstMoment = new Float32Array(weights.length);
  const secondMoment = new Float32Array(weights.length);
  const workspace = new MlpWorkspace(config, options.batchSize);
  const losses = new Float64Array(options.steps);
  const { learningRate, weightDecay, beta1, beta2, epsilon } = options;
  for (let step = 0; step < options.steps; step++) {
    const batch = sampleBatch(shard, options.batchSize, config.context, deriveSeed(options.seed, step));
    losses[step] = lossAndGradient(weights, batch, workspace, gradient);
    const correction1 = 1 - beta1 ** (step + 1);
    const correction2 = 1 - beta2 ** (step + 1);
    for (let i = 0; i < weights.length; i++) {
      const g = gradient[i]!;
      firstMoment[i] = beta1 * firstMoment[i]! + (1 - beta1) * g;
      secondMoment[i] = beta2 * secondMoment[i]! + (1 - beta2) * g * g;
      const m = firstMoment[i]! / correction1;
      const v = secondMoment[i]! / correction2;
      weights[i] =
        weights[i]! * (1 - learningRate * weightDecay) - (learningRate * m) / (Math.sqrt(v) + epsilon);
    }
    options.onStep?.(step, losses[step]!);
  }
  const pseudoGradient = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) pseudoGradient[i] = startWeights[i]! - weights[i]!;
  return { endWeights: weights, pseudoGradient, losses };
}
