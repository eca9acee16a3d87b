import { fromBfloat16Bits, toBfloat16Bits } from './bfloat16';
import { KernelError } from './errors';
import { type ChunkLayout, chunkLayout, type TensorShapes } from './layout';

export interface CompressionOptions {
  /** entries per chunk (the paper uses 4096) */
  readonly chunkSize: number;
  /** entries kept per chunk by magnitude (the paper uses 64) */
  readonly k: number;
}

/**
 * A SparseLoCo update in memory: per chunk the top-k entries by magnitude, as chunk-local indices sorted
 * ascending and 2-bit codes (bit 1: negative, bit 0: high magnitude level). Each chunk carries its high level as
 * bfloat16 bits and its low level as a ratio of the high one, (lowRatioCode + 1) / 256.
 */
export interface CompressedUpdate {
  readonly shapes: TensorShapes;
  readonly chunkSize: number;
  readonly k: number;
  readonly indices: Uint16Array;
  readonly codes: Uint8Array;
  readonly highScaleBits: Uint16Array;
  readonly lowRatioCodes: Uint8Array;
}

export const SIGN_BIT = 2;
export const HIGH_BIT = 1;

/**
 * Top-k by magnitude in every chunk of every tensor, then 2-bit quantization of the kept values. Deterministic:
 * the same input gives the same update, bit for bit. Refuses NaN and infinite entries.
 */
export function compress(
  dense: Float32Array,
  shapes: TensorShapes,
  options: CompressionOptions,
): CompressedUpdate {
  const layout = chunkLayout(shapes, options.chunkSize, options.k);
  if (dense.length !== layout.totalSize)
    throw new KernelError(
      'SPARSELOCO_SHAPE_MISMATCH',
      `vector has ${dense.length} entries, shapes describe ${layout.totalSize}`,
    );
  const chunkCount = layout.chunkLengths.length;
  const keptTotal = layout.keptOffsets[chunkCount]!;
  const indices = new Uint16Array(keptTotal);
  const codes = new Uint8Array(keptTotal);
  const highScaleBits = new Uint16Array(chunkCount);
  const lowRatioCodes = new Uint8Array(chunkCount);
  const heapMagnitudes = new Float64Array(options.k);
  const heapIndices = new Int32Array(options.k);

  for (let chunk = 0; chunk < chunkCount; chunk++) {
    const start = layout.chunkStarts[chunk]!;
    const length = layout.chunkLengths[chunk]!;
    const keep = layout.chunkKeeps[chunk]!;
    const keptStart = layout.keptOffsets[chunk]!;
    selectTopK(dense, start, length, keep, heapMagnitudes, heapIndices);
    const chunkIndices = indices.subarray(keptStart, keptStart + keep);
    for (let j = 0; j < keep; j++) chunkIndices[j] = heapIndices[j]!;
    chunkIndices.sort();
    quantizeChunk(
      dense,
      start,
      chunkIndices,
      codes.subarray(keptStart, keptStart + keep),
      chunk,
      highScaleBits,
      lowRatioCodes,
    );
  }
  return { shapes, chunkSize: options.chunkSize, k: options.k, indices, codes, highScaleBits, lowRatioCodes };
}

/**
 * Top-`keep` magnitudes of one chunk into a min-heap; on equal magnitudes the lower index wins, so the result is
 * deterministic. A first pass splits the chunk into `keep` blocks: the smallest block maximum is a lower bound on
 * the keep-th largest magnitude (each block holds an entry at least that large), so the heap only ever sees
 * entries at or above it, a few hundred per chunk instead of thousands of sift-downs.
 */
function selectTopK(
  dense: Float32Array,
  start: number,
  length: number,
  keep: number,
  heapMagnitudes: Float64Array,
  heapIndices: Int32Array,
): void {
  const chunk = dense.subarray(start, start + length);
  const blockSize = Math.ceil(length / keep);
  let floor = 0;
  if (Math.ceil(length / blockSize) >= keep) {
    floor = Infinity;
    for (let blockStart = 0; blockStart < length; blockStart += blockSize) {
      const blockEnd = Math.min(length, blockStart + blockSize);
      let blockMax = 0;
      for (let j = blockStart; j < blockEnd; j++) {
        const magnitude = Math.abs(chunk[j]!);
        if (magnitude > blockMax) blockMax = magnitude;
      }
      if (blockMax < floor) floor = blockMax;
    }
  }
  let size = 0;
  let root = -1;
  let checksum = 0;
  for (let j = 0; j < length; j++) {
    const magnitude = Math.abs(chunk[j]!);
    checksum += magnitude;
    if (magnitude < floor) continue;
    if (size < keep) {
      heapMagnitudes[size] = magnitude;
      heapIndices[size] = j;
      siftUp(heapMagnitudes, heapIndices, size++);
      root = heapMagnitudes[0]!;
    } else if (magnitude > root) {
      heapMagnitudes[0] = magnitude;
      heapIndices[0] = j;
      siftDown(heapMagnitudes, heapIndices, keep);
      root = heapMagnitudes[0]!;
    }
  }
  // a sum of finite float32 magnitudes cannot overflow a double: a non-finite sum means a NaN or infinite entry
  if (!Number.isFinite(checksum))
    throw nonFinite(start + chunk.findIndex((value) => !Number.isFinite(value)));
}

function nonFinite(position: number): KernelError {
  return new KernelError('SPARSELOCO_NON_FINITE_INPUT', `entry ${position} is not finite`);
}

/** heap order: smaller magnitude first; among equal magnitudes the larger index is the smaller element */
function below(magnitudes: Float64Array, indices: Int32Array, a: number, b: number): boolean {
  const ma = magnitudes[a]!;
  const mb = magnitudes[b]!;
  return ma < mb || (ma === mb && indices[a]! > indices[b]!);
}

function swap(magnitudes: Float64Array, indices: Int32Array, a: number, b: number): void {
  const m = magnitudes[a]!;
  magnitudes[a] = magnitudes[b]!;
  magnitudes[b] = m;
  const i = indices[a]!;
  indices[a] = indices[b]!;
  indices[b] = i;
}

function siftUp(magnitudes: Float64Array, indices: Int32Array, position: number): void {
  let child = position;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    if (!below(magnitudes, indices, child, parent)) return;
    swap(magnitudes, indices, child, parent);
    child = parent;
  }
}

function siftDown(magnitudes: Float64Array, indices: Int32Array, size: number): void {
  let parent = 0;
  for (;;) {
    const left = 2 * parent + 1;
    if (left >= size) return;
    const right = left + 1;
    const smallest = right < size && below(magnitudes, indices, right, left) ? right : left;
    if (!below(magnitudes, indices, smallest, parent)) return;
    swap(magnitudes, indices, smallest, parent);
    parent = smallest;
  }
}

/**
 * Two magnitude levels per chunk: kept magnitudes split at their mean, each level is its group's mean (a one-step
 * Lloyd quantizer). The high level travels as bfloat16, the low one as an 8-bit ratio of it.
 */
function quantizeChunk(
  dense: Float32Array,
  start: number,
  chunkIndices: Uint16Array,
  chunkCodes: Uint8Array,
  chunk: number,
  highScaleBits: Uint16Array,
  lowRatioCodes: Uint8Array,
): void {
  const keep = chunkIndices.length;
  let sum = 0;
  for (let j = 0; j < keep; j++) sum += Math.abs(dense[start + chunkIndices[j]!]!);
  const split = sum / keep;
  let highSum = 0;
  let highCount = 0;
  let lowSum = 0;
  for (let j = 0; j < keep; j++) {
    const magnitude = Math.abs(dense[start + chunkIndices[j]!]!);
    if (magnitude >= split) {
      highSum += magnitude;
      highCount++;
    } else lowSum += magnitude;
  }
  const highTarget = highCount > 0 ? highSum / highCount : 0;
  const lowTarget = keep > highCount ? lowSum / (keep - highCount) : highTarget;
  const bits = toBfloat16Bits(highTarget);
  const high = fromBfloat16Bits(bits);
  const ratioCode = high > 0 ? Math.min(255, Math.max(0, Math.round((lowTarget / high) * 256) - 1)) : 255;
  highScaleBits[chunk] = bits;
  lowRatioCodes[chunk] = ratioCode;
  const low = lowLevel(high, ratioCode);
  const threshold = (high + low) / 2;
  for (let j = 0; j < keep; j++) {
    const value = dense[start + chunkIndices[j]!]!;
    chunkCodes[j] = (value < 0 ? SIGN_BIT : 0) | (Math.abs(value) >= threshold ? HIGH_BIT : 0);
  }
}

function lowLevel(high: number, ratioCode: number): number {
  return Math.fround((high * (ratioCode + 1)) / 256);
}

/** The dequantized value of every kept entry, in the order of `update.indices`. */
export function keptValues(update: CompressedUpdate): Float32Array {
  const layout = chunkLayout(update.shapes, update.chunkSize, update.k);
  const values = new Float32Array(update.codes.length);
  forEachChunk(layout, (chunk, keptStart, keep) => {
    const high = fromBfloat16Bits(update.highScaleBits[chunk]!);
    const low = lowLevel(high, update.lowRatioCodes[chunk]!);
    for (let j = keptStart; j < keptStart + keep; j++) {
      const code = update.codes[j]!;
      const magnitude = code & HIGH_BIT ? high : low;
      values[j] = code & SIGN_BIT ? -magnitude : magnitude;
    }
  });
  return values;
}

/** Flat positions (into the dense vector) of every kept entry, in the order of `update.indices`. */
export function keptPositions(update: CompressedUpdate): Float64Array {
  const layout = chunkLayout(update.shapes, update.chunkSize, update.k);
  const positions = new Float64Array(update.indices.length);
  forEachChunk(layout, (chunk, keptStart, keep) => {
    const start = layout.chunkStarts[chunk]!;
    for (let j = keptStart; j < keptStart + keep; j++) positions[j] = start + update.indices[j]!;
  });
  return positions;
}

/**
 * Kept positions in full-size chunks only, ascending: what copy detection compares. Short chunks (small tensors
 * such as biases) keep a large share of their entries, so any two honest updates overlap there by chance.
 */
export function fullChunkPositions(update: CompressedUpdate): Float64Array {
  const layout = chunkLayout(update.shapes, update.chunkSize, update.k);
  const positions = keptPositions(update);
  let count = 0;
  forEachChunk(layout, (chunk, _keptStart, keep) => {
    if (layout.chunkLengths[chunk] === update.chunkSize) count += keep;
  });
  const selected = new Float64Array(count);
  let next = 0;
  forEachChunk(layout, (chunk, keptStart, keep) => {
    if (layout.chunkLengths[chunk] !== update.chunkSize) return;
    selected.set(positions.subarray(keptStart, keptStart + keep), next);
    next += keep;
  });
  return selected;
}

function forEachChunk(
  layout: ChunkLayout,
  visit: (chunk: number, keptStart: number, keep: number) => void,
): void {
  for (let chunk = 0; chunk < layout.chunkLengths.length; chunk++)
    visit(chunk, layout.keptOffsets[chunk]!, layout.chunkKeeps[chunk]!);
}

/** The dense vector the update stands for: zero everywhere but the kept entries. */
export function decompress(update: CompressedUpdate): Float32Array {
  return decompressInto(
    update,
    new Float32Array(chunkLayout(update.shapes, update.chunkSize, update.k).totalSize),
  );
}

/** `decompress` into a caller's buffer, so a coordinator can reuse one (fresh gigabytes cost page faults). */
export function decompressInto(update: CompressedUpdate, dense: Float32Array): Float32Array {
  const layout = chunkLayout(update.shapes, update.chunkSize, update.k);
  if (dense.length !== layout.totalSize)
    throw new KernelError(
      'SPARSELOCO_SHAPE_MISMATCH',
      `buffer holds ${dense.length}, update ${layout.totalSize}`,
    );
  dense.fill(0);
  const values = keptValues(update);
  const positions = keptPositions(update);
  for (let j = 0; j < values.length; j++) dense[positions[j]!] = values[j]!;
  return dense;
}

/**
 * One error-feedback step, in place on `residual`: residual ← decay·residual + delta, the result is compressed,
 * and what the compressed update carries is subtracted, so residual ends as decay·residual + delta − decompress(c).
 */
export function compressWithErrorFeedback(
  residual: Float32Array,
  delta: Float32Array,
  decay: number,
  shapes: TensorShapes,
  options: CompressionOptions,
): CompressedUpdate {
  if (residual.length !== delta.length)
    throw new KernelError('SPARSELOCO_SHAPE_MISMATCH', 'residual and delta differ in length');
  for (let i = 0; i < residual.length; i++) residual[i] = decay * residual[i]! + delta[i]!;
  const update = compress(residual, shapes, options);
  const values = keptValues(update);
  const positions = keptPositions(update);
  for (let j = 0; j < values.length; j++) residual[positions[j]!] = residual[positions[j]!]! - values[j]!;
  return update;
}
