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

/** out[o + j] += Σ_d x[xo + d] · w[d·width + j]: a row vector times a row-major matrix. */
function addRowTimesMatrix(
  x: Float64Array,
  xo: number,
  rows: number,
  w: Float32Array,
  width: number,
  out: Float64Array,
  o: number,
): void {
  for (let d = 0; d < rows; d++) {
    const scale = x[xo + d]!;
    const row = d * width;
    for (let j = 0; j < width; j++) out[o + j] = out[o + j]! + scale * w[row + j]!;
  }
}

/** g[d·width + j] += a[ao + d] · delta[dOffset + j], and out[oo + d] = Σ_j delta[dOffset + j] · w[d·width + j]. */
function backThroughMatrix(
  a: Float64Array,
  ao: number,
  rows: number,
  delta: Float64Array,
  dOffset: number,
  width: number,
  w: Float32Array,
  g: Float32Array,
  out: Float64Array,
  oo: number,
): void {
  for (let d = 0; d < rows; d++) {
    const scale = a[ao + d]!;
    const row = d * width;
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const dj = delta[dOffset + j]!;
      g[row + j] = g[row + j]! + scale * dj;
      sum += dj * w[row + j]!;
    }
    out[oo + d] = sum;
  }
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
    addRowTimesMatrix(inputs, b * D, D, w1, H, hidden, h);
    for (let j = 0; j < H; j++) hidden[h + j] = Math.tanh(hidden[h + j]!);
    const l = b * VOCABULARY;
    for (let v = 0; v < VOCABULARY; v++) logits[l + v] = b2[v]!;
    addRowTimesMatrix(hidden, h, H, w2, VOCABULARY, logits, l);
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
  for (let b = 0; b < batch.size; b++) {
    const l = b * VOCABULARY;
    const h = b * H;
    const target = l + batch.targets[b]!;
    probabilities[target] = probabilities[target]! - 1;
    for (let v = 0; v < VOCABULARY; v++) {
      const dl = probabilities[l + v]! * inverseBatch;
      probabilities[l + v] = dl;
      g.b2[v] = g.b2[v]! + dl;
    }
    backThroughMatrix(hidden, h, H, probabilities, l, VOCABULARY, w.w2, g.w2, hiddenGrad, h);
    for (let j = 0; j < H; j++) {
      const a = hidden[h + j]!;
      const dp = hiddenGrad[h + j]! * (1 - a * a);
      hiddenGrad[h + j] = dp;
      g.b1[j] = g.b1[j]! + dp;
    }
    backThroughMatrix(inputs, b * D, D, hiddenGrad, h, H, w.w1, g.w1, inputGrad, b * D);
    for (let c = 0; c < config.context; c++) {
      const row = batch.contexts[b * config.context + c]! * E;
      for (let e = 0; e < E; e++)
        g.embedding[row + e] = g.embedding[row + e]! + inputGrad[b * D + c * E + e]!;
    }
  }
  return loss;
}
