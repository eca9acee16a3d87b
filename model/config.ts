import { mulberry32 } from './prng';

/** A Bengio-style byte-level MLP language model: the previous `context` bytes, embedded and concatenated, one tanh hidden layer, a softmax over the next byte. */
export interface ModelConfig {
  readonly context: number;
  readonly embedding: number;
  readonly hidden: number;
}

export const VOCABULARY = 256;

export const DEFAULT_MODEL: ModelConfig = { context: 8, embedding: 16, hidden: 128 };

export type TensorName = 'embedding' | 'w1' | 'b1' | 'w2' | 'b2';

export interface TensorSlot {
  readonly name: TensorName;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/** Where each tensor lives in the flat weight vector, in wire order. */
export function weightLayout(config: ModelConfig): TensorSlot[] {
  const inputWidth = config.context * config.embedding;
  const shapes: [TensorName, number[]][] = [
    ['embedding', [VOCABULARY, config.embedding]],
    ['w1', [inputWidth, config.hidden]],
    ['b1', [config.hidden]],
    ['w2', [config.hidden, VOCABULARY]],
    ['b2', [VOCABULARY]],
  ];
  let offset = 0;
  return shapes.map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const slot = { name, shape, offset, size };
    offset += size;
    return slot;
  });
}

export function weightShapes(config: ModelConfig): number[][] {
  return weightLayout(config).map((slot) => [...slot.shape]);
}

export function parameterCount(config: ModelConfig): number {
  return weightLayout(config).reduce((total, slot) => total + slot.size, 0);
}

/** Uniform(±1/sqrt(fan-in)) for the matrices, uniform(±1) for the embedding, zero biases. */
export function initialWeights(config: ModelConfig, seed: number): Float32Array {
  const random = mulberry32(seed);
  const weights = new Float32Array(parameterCount(config));
  for (const slot of weightLayout(config)) {
    if (slot.name === 'b1' || slot.name === 'b2') continue;
    const bound = slot.name === 'embedding' ? 1 : 1 / Math.sqrt(slot.shape[0]!);
    const view = weights.subarray(slot.offset, slot.offset + slot.size);
    for (let i = 0; i < view.length; i++) view[i] = (random() * 2 - 1) * bound;
  }
  return weights;
}
