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

/**
 * out[b·width + j] += Σ_d x[b·rows + d] · w[d·width + j] for every example b: rows of x times a row-major matrix.
 * Four examples share each load of a weight row, which is most of the speed of this loop in V8.
 */
function addRowsTimesMatrix(
  x: Float64Array,
  rows: number,
  w: Float32Array,
  width: number,
  out: Float64Array,
  examples: number,
): void {
  let b = 0;
  for (; b + 4 <= examples; b += 4) {
    const x0 = b * rows;
    const o0 = b * width;
    for (let d = 0; d < rows; d++) {
      const s0 = x[x0 + d]!;
      const s1 = x[x0 + rows + d]!;
      const s2 = x[x0 + 2 * rows + d]!;
      const s3 = x[x0 + 3 * rows + d]!;
      const row = d * width;
      for (let j = 0; j < width; j++) {
        const wj = w[row + j]!;
        out[o0 + j] = out[o0 + j]! + s0 * wj;
        out[o0 + width + j] = out[o0 + width + j]! + s1 * wj;
        out[o0 + 2 * width + j] = out[o0 + 2 * width + j]! + s2 * wj;
        out[o0 + 3 * width + j] = out[o0 + 3 * width + j]! + s3 * wj;
      }
    }
  }
  for (; b < examples; b++) {
    for (let d = 0; d < rows; d++) {
      const scale = x[b * rows + d]!;
      const row = d * width;
      for (let j = 0; j < width; j++) out[b * width + j] = out[b * width + j]! + scale * w[row + j]!;
    }
  }
}

/**
 * The backward pass of `addRowsTimesMatrix` for every example b: g[d·width + j] += Σ_b a[b·rows + d] ·
 * delta[b·width + j], and out[b·rows + d] = Σ_j delta[b·width + j] · w[d·width + j]. Blocked by four like it.
 */
function backThroughMatrix(
  a: Float64Array,
  rows: number,
  delta: Float64Array,
  width: number,
  w: Float32Array,
  g: Float32Array,
  out: Float64Array,
  examples: number,
): void {
  let b = 0;
  for (; b + 4 <= examples; b += 4) {
    const a0 = b * rows;
    const d0 = b * width;
    for (let d = 0; d < rows; d++) {
      const s0 = a[a0 + d]!;
      const s1 = a[a0 + rows + d]!;
      const s2 = a[a0 + 2 * rows + d]!;
      const s3 = a[a0 + 3 * rows + d]!;
      const row = d * width;
      let sum0 = 0;
      let sum1 = 0;
      let sum2 = 0;
      let sum3 = 0;
      for (let j = 0; j < width; j++) {
        const wj = w[row + j]!;
        const e0 = delta[d0 + j]!;
        const e1 = delta[d0 + width + j]!;
        const e2 = delta[d0 + 2 * width + j]!;
        const e3 = delta[d0 + 3 * width + j]!;
        g[row + j] = g[row + j]! + (s0 * e0 + s1 * e1 + s2 * e2 + s3 * e3);
        sum0 += e0 * wj;
        sum1 += e1 * wj;
        sum2 += e2 * wj;
        sum3 += e3 * wj;
      }
      out[a0 + d] = sum0;
      out[a0 + rows + d] = sum1;
      out[a0 + 2 * rows + d] = sum2;
      out[a0 + 3 * rows + d] = sum3;
    }
  }
  for (; b < examples; b++) {
    for (let d = 0; d < rows; d++) {
      const scale = a[b * rows + d]!;
      const row = d * width;
      let sum = 0;
      for (let j = 0; j < width; j++) {
        const e = delta[b * width + j]!;
        g[row + j] = g[row + j]! + scale * e;
        sum += e * w[row + j]!;
      }
      out[b * rows + d] = sum;
    }
  }
}

/** Mean next-byte cross-entropy (nats) of the batch; also leaves activations in the workspace for the backward pass. */
export function forwardLoss(weights: Float32Array, batch: Batch, workspace: MlpWorkspace): number {
  const { config } = workspace;
  const { embedding, w1, b1, w2, b2 } = views(config, weights);
  const { inputs, hidden, logits } = workspace;
  const E = config.embedding;
  const D = config.context * E;
  const H = config.hidden;
  for (let b = 0; b < batch.size; b++) {
    for (let c = 0; c < config.context; c++) {
      const token = batch.contexts[b * config.context + c]!;
      for (let e = 0; e < E; e++) inputs[b * D + c * E + e] = embedding[token * E + e]!;
    }
    for (let j = 0; j < H; j++) hidden[b * H + j] = b1[j]!;
    for (let v = 0; v < VOCABULARY; v++) logits[b * VOCABULARY + v] = b2[v]!;
  }
  addRowsTimesMatrix(inputs, D, w1, H, hidden, batch.size);
  for (let i = 0; i < batch.size * H; i++) hidden[i] = Math.tanh(hidden[i]!);
  addRowsTimesMatrix(hidden, H, w2, VOCABULARY, logits, batch.size);
  let totalLoss = 0;
  for (let b = 0; b < batch.size; b++) {
    const l = b * VOCABULARY;
    const targetLogit = logits[l + batch.targets[b]!]!;
    totalLoss += softmaxInPlace(logits, l) - targetLogit;
  }
  return totalLoss / batch.size;
}

/** Replaces logits[l..l+256) by their softmax probabilities and returns their log-sum-exp. */
function softmaxInPlace(logits: Float64Array, l: number): number {
  let max = -Infinity;
  for (let v = 0; v < VOCABULARY; v++) if (logits[l + v]! > max) max = logits[l + v]!;
  let sum = 0;
  for (let v = 0; v < VOCABULARY; v++) sum += Math.exp(logits[l + v]! - max);
  const logSumExp = max + Math.log(sum);
  for (let v = 0; v < VOCABULARY; v++) logits[l + v] = Math.exp(logits[l + v]! - logSumExp);
  return logSumExp;
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
  // softmax − one-hot, over the batch size: the gradient of the mean loss with respect to the logits
  for (let b = 0; b < batch.size; b++) {
    const l = b * VOCABULARY;
    const target = l + batch.targets[b]!;
    probabilities[target] = probabilities[target]! - 1;
    for (let v = 0; v < VOCABULARY; v++) {
      const dl = probabilities[l + v]! * inverseBatch;
      probabilities[l + v] = dl;
      g.b2[v] = g.b2[v]! + dl;
    }
  }
  backThroughMatrix(hidden, H, probabilities, VOCABULARY, w.w2, g.w2, hiddenGrad, batch.size);
  for (let b = 0; b < batch.size; b++) {
    for (let j = 0; j < H; j++) {
      const a = hidden[b * H + j]!;
      const dp = hiddenGrad[b * H + j]! * (1 - a * a);
      hiddenGrad[b * H + j] = dp;
      g.b1[j] = g.b1[j]! + dp;
    }
  }
  backThroughMatrix(inputs, D, hiddenGrad, H, w.w1, g.w1, inputGrad, batch.size);
  for (let b = 0; b < batch.size; b++) {
    for (let c = 0; c < config.context; c++) {
      const row = batch.contexts[b * config.context + c]! * E;
      for (let e = 0; e < E; e++)
        g.embedding[row + e] = g.embedding[row + e]! + inputGrad[b * D + c * E + e]!;
    }
  }
  return loss;
}
