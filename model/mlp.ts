import type { Batch } from './batch';
import { type ModelConfig, VOCABULARY, weightLayout } from './config';

/** Scratch buffers for one batch size, reused across steps so training allocates nothing per step. */
export class MlpWorkspace {
  readonly inputs: Float64Array;
  readonly hidden: Float64Array;
  readonly logits: Float64Array;
  readonly hiddenGrad: Float64Array;
  readonly inputGrad: Float64Array;

  constructor(
    readonly config: ModelConfig,
    readonly batchSize: number,
  ) {
    const inputWidth = config.context * config.embedding;
    this.inputs = new Float64Array(batchSize * inputWidth);
    this.hidden = new Float64Array(batchSize * config.hidden);
    this.logits = new Float64Array(batchSize * VOCABULARY);
    this.hiddenGrad = new Float64Array(batchSize * config.hidden);
    this.inputGrad = new Float64Array(batchSize * inputWidth);
  }
}

interface Views {
  embedding: Float32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

function views(config: ModelConfig, vector: Float32Array): Views {
  const [embedding, w1, b1, w2, b2] = weightLayout(config).map((slot) =>
    vector.subarray(slot.offset, slot.offset + slot.size),
  );
  return { embedding: embedding!, w1: w1!, b1: b1!, w2: w2!, b2: b2! };
}

/** Mean next-byte cross-entropy (nats) of the batch; also leaves activations in the workspace for `backward`. */
export function forwardLoss(weights: Float32Array, batch: Batch, workspace: MlpWorkspace): number {
  const { config } = workspace;
  const { embedding, w1, b1, w2, b2 } = views(config, weights);
  const { inputs, hidden, logits } = workspace;
  const E = config.embedding;
  const D = config.context * E;
  const H = config.hidden;
  let totalLoss = 0;
  for (let b = 0; b < batch.size; b++) {
    for (let c = 0; c < config.context; c++) {
      const token = batch.contexts[b * config.context + c]!;
      for (let e = 0; e < E; e++) inputs[b * D + c * E + e] = embedding[token * E + e]!;
    }
    const h = b * H;
    for (let j = 0; j < H; j++) hidden[h + j] = b1[j]!;
    for (let d = 0; d < D; d++) {
      const x = inputs[b * D + d]!;
      const row = d * H;
      for (let j = 0; j < H; j++) hidden[h + j] = hidden[h + j]! + x * w1[row + j]!;
    }
    for (let j = 0; j < H; j++) hidden[h + j] = Math.tanh(hidden[h + j]!);
    const l = b * VOCABULARY;
    for (let v = 0; v < VOCABULARY; v++) logits[l + v] = b2[v]!;
    for (let j = 0; j < H; j++) {
      const a = hidden[h + j]!;
      const row = j * VOCABULARY;
      for (let v = 0; v < VOCABULARY; v++) logits[l + v] = logits[l + v]! + a * w2[row + v]!;
    }
    let max = -Infinity;
    for (let v = 0; v < VOCABULARY; v++) max = Math.max(max, logits[l + v]!);
    let sum = 0;
    for (let v = 0; v < VOCABULARY; v++) sum += Math.exp(logits[l + v]! - max);
    const logSumExp = max + Math.log(sum);
    totalLoss += logSumExp - logits[l + batch.targets[b]!]!;
    // keep softmax probabilities for the backward pass
    for (let v = 0; v < VOCABULARY; v++) logits[l + v] = Math.exp(logits[l + v]! - logSumExp);
  }
  return totalLoss / batch.size;
}

/** Mean loss and its gradient with respect to every weight, written into `gradient` (overwritten). */
export function lossAndGradient(
  weights: Float32Array,
  batch: Batch,
  workspace: MlpWorkspace,
  gradient: Float32Array,
): number {
  const loss = forwardLoss(weights, batch, workspace);
  const { config } = workspace;
  const w = views(config, weights);
  const g = views(config, gradient);
  gradient.fill(0);
  const { inputs, hidden, logits: probabilities, hiddenGrad, inputGrad } = workspace;
  const E = config.embedding;
  const D = config.context * E;
  const H = config.hidden;
  const inverseBatch = 1 / batch.size;
  for (let b = 0; b < batch.size; b++) {
    const l = b * VOCABULARY;
    const h = b * H;
    probabilities[l + batch.targets[b]!] = probabilities[l + batch.targets[b]!]! - 1;
    for (let v = 0; v < VOCABULARY; v++) probabilities[l + v] = probabilities[l + v]! * inverseBatch;
    for (let v = 0; v < VOCABULARY; v++) g.b2[v] = g.b2[v]! + probabilities[l + v]!;
    for (let j = 0; j < H; j++) {
      const a = hidden[h + j]!;
      const row = j * VOCABULARY;
      let dh = 0;
      for (let v = 0; v < VOCABULARY; v++) {
        const dl = probabilities[l + v]!;
        g.w2[row + v] = g.w2[row + v]! + a * dl;
        dh += dl * w.w2[row + v]!;
      }
      hiddenGrad[h + j] = dh * (1 - a * a);
    }
    for (let j = 0; j < H; j++) g.b1[j] = g.b1[j]! + hiddenGrad[h + j]!;
    for (let d = 0; d < D; d++) {
      const x = inputs[b * D + d]!;
      const row = d * H;
      let dx = 0;
      for (let j = 0; j < H; j++) {
        const dp = hiddenGrad[h + j]!;
        g.w1[row + j] = g.w1[row + j]! + x * dp;
        dx += dp * w.w1[row + j]!;
      }
      inputGrad[b * D + d] = dx;
    }
    for (let c = 0; c < config.context; c++) {
      const token = batch.contexts[b * config.context + c]!;
      for (let e = 0; e < E; e++)
        g.embedding[token * E + e] = g.embedding[token * E + e]! + inputGrad[b * D + c * E + e]!;
    }
  }
  return loss;
}
