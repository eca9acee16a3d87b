import { KernelError } from './errors';

/** Shapes of the tensors in one flat parameter vector, in order. */
export type TensorShapes = readonly (readonly number[])[];

/** How a flat parameter vector splits into chunks: each tensor is chunked on its own, the last chunk may be short. */
export interface ChunkLayout {
  readonly totalSize: number;
  readonly chunkStarts: Float64Array;
  readonly chunkLengths: Uint32Array;
  /** entries kept per chunk: min(k, chunk length) */
  readonly chunkKeeps: Uint32Array;
  /** offset of each chunk's first kept entry in the kept arrays; one extra entry holds the total */
  readonly keptOffsets: Float64Array;
}

export function tensorSize(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

export function validateCompressionOptions(chunkSize: number, k: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < 2 || chunkSize > 65536)
    throw new KernelError(
      'SPARSELOCO_BAD_OPTIONS',
      `chunk size ${chunkSize} must be an integer in [2, 65536]`,
    );
  if (!Number.isInteger(k) || k < 1 || k > chunkSize)
    throw new KernelError('SPARSELOCO_BAD_OPTIONS', `k ${k} must be an integer in [1, chunk size]`);
}

export function chunkLayout(shapes: TensorShapes, chunkSize: number, k: number): ChunkLayout {
  validateCompressionOptions(chunkSize, k);
  let chunkCount = 0;
  for (const shape of shapes) {
    if (shape.some((dim) => !Number.isInteger(dim) || dim < 1))
      throw new KernelError(
        'SPARSELOCO_SHAPE_MISMATCH',
        `tensor shape [${shape.join(', ')}] has a bad dimension`,
      );
    chunkCount += Math.ceil(tensorSize(shape) / chunkSize);
  }
  const chunkStarts = new Float64Array(chunkCount);
  const chunkLengths = new Uint32Array(chunkCount);
  const chunkKeeps = new Uint32Array(chunkCount);
  const keptOffsets = new Float64Array(chunkCount + 1);
  let chunk = 0;
  let tensorStart = 0;
  let kept = 0;
  for (const shape of shapes) {
    const size = tensorSize(shape);
    for (let start = 0; start < size; start += chunkSize) {
      const length = Math.min(chunkSize, size - start);
      chunkStarts[chunk] = tensorStart + start;
      chunkLengths[chunk] = length;
      chunkKeeps[chunk] = Math.min(k, length);
      keptOffsets[chunk] = kept;
      kept += chunkKeeps[chunk]!;
      chunk++;
    }
    tensorStart += size;
  }
  keptOffsets[chunkCount] = kept;
  return { totalSize: tensorStart, chunkStarts, chunkLengths, chunkKeeps, keptOffsets };
}
