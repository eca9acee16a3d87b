import { KernelError } from './errors';
import { chunkLayout } from './layout';
import { type CompressedUpdate, keptPositions, keptValues } from './sparseloco';

/** Euclidean norm of the update's dequantized values. */
export function updateNorm(update: CompressedUpdate): number {
  const values = keptValues(update);
  let sum = 0;
  for (let j = 0; j < values.length; j++) sum += values[j]! * values[j]!;
  return Math.sqrt(sum);
}

/** Lower median, as torch.median returns it. */
export function lowerMedian(values: readonly number[]): number {
  if (values.length === 0) throw new KernelError('SPARSELOCO_EMPTY_AGGREGATE', 'median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1]!;
}

/**
 * Sparse mean of the accepted updates: each is first scaled down to the median norm of the set (never up),
 * then summed in the given order and divided by the number of updates; an index a peer did not send counts as zero.
 */
export function aggregate(updates: readonly CompressedUpdate[]): Float32Array {
  const first = updates[0];
  if (!first) throw new KernelError('SPARSELOCO_EMPTY_AGGREGATE', 'no accepted updates to aggregate');
  for (const update of updates) assertSameLayout(first, update);
  const norms = updates.map(updateNorm);
  const median = lowerMedian(norms);
  const mean = new Float32Array(chunkLayout(first.shapes, first.chunkSize, first.k).totalSize);
  updates.forEach((update, u) => {
    const norm = norms[u]!;
    const scale = (norm > median ? median / norm : 1) / updates.length;
    const values = keptValues(update);
    const positions = keptPositions(update);
    for (let j = 0; j < values.length; j++) mean[positions[j]!] = mean[positions[j]!]! + scale * values[j]!;
  });
  return mean;
}

/** The outer step: weights − outerLearningRate · update, as a new vector. */
export function applyOuterStep(
  weights: Float32Array,
  update: Float32Array,
  outerLearningRate: number,
): Float32Array {
  if (weights.length !== update.length)
    throw new KernelError('SPARSELOCO_SHAPE_MISMATCH', 'weights and update differ in length');
  const next = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) next[i] = weights[i]! - outerLearningRate * update[i]!;
  return next;
}

function assertSameLayout(a: CompressedUpdate, b: CompressedUpdate): void {
  const sameShapes =
    a.shapes.length === b.shapes.length &&
    a.shapes.every(
      (shape, t) => shape.length === b.shapes[t]!.length && shape.every((d, i) => d === b.shapes[t]![i]),
    );
  if (!sameShapes || a.chunkSize !== b.chunkSize || a.k !== b.k)
    throw new KernelError('SPARSELOCO_SHAPE_MISMATCH', 'updates differ in shapes, chunk size or k');
}
