import { BitReader, BitWriter } from './bits';
import { fromBfloat16Bits } from './bfloat16';
import { crc32 } from './crc32';
import { KernelError } from './errors';
import { chunkLayout, type ChunkLayout, tensorSize, validateCompressionOptions } from './layout';
import type { CompressedUpdate } from './sparseloco';

/**
 * Wire format, version 1, little endian:
 *
 *   0  "SLCO" magic            8  u32 chunk size        16  u32 tensor count
 *   4  u8 format version       12 u32 k                 20  per tensor: u8 rank, u32 per dimension
 *   5  u8 index coding (0 packed, 1 Rice-coded gaps)    ..  u32 body length in bytes
 *   6  u8 value bits (2)                                ..  body
 *   7  u8 scale format (1: bfloat16 high level + u8 low/high ratio per chunk)
 *                                                       ..  u32 CRC-32 of every byte before it
 * Body: every chunk's bfloat16 high level, then every chunk's ratio byte, then one bit stream (LSB first)
 * holding per chunk its indices (packed: ceil(log2 chunk size) bits each; Rice: a 4-bit parameter, then
 * per index the gap to the previous one, less one) followed by its 2-bit value codes; zero padding to a byte.
 */
export const WIRE_MAGIC = 0x4f434c53; // "SLCO" read as a little-endian u32
export const WIRE_VERSION = 1;
export const VALUE_BITS = 2;
export const SCALE_FORMAT_BF16_RATIO = 1;

export enum IndexCoding {
  Packed = 0,
  RiceGaps = 1,
}

const MAX_RANK = 8;
const MAX_TENSORS = 1 << 16;
const MAX_PARAMETERS = 2 ** 40;
const RICE_PARAMETER_BITS = 4;
const FIXED_HEADER_BYTES = 20;
const TRAILER_BYTES = 4;

export function indexBitWidth(chunkSize: number): number {
  return Math.max(1, Math.ceil(Math.log2(chunkSize)));
}

export function encodeUpdate(update: CompressedUpdate, coding: IndexCoding): Uint8Array {
  const layout = chunkLayout(update.shapes, update.chunkSize, update.k);
  const chunkCount = layout.chunkLengths.length;
  const width = indexBitWidth(update.chunkSize);
  const bits = new BitWriter(Math.ceil((update.indices.length * (width + VALUE_BITS)) / 8) + chunkCount);
  for (let chunk = 0; chunk < chunkCount; chunk++) {
    const keptStart = layout.keptOffsets[chunk]!;
    const keep = layout.chunkKeeps[chunk]!;
    const chunkIndices = update.indices.subarray(keptStart, keptStart + keep);
    if (coding === IndexCoding.Packed) for (let j = 0; j < keep; j++) bits.write(chunkIndices[j]!, width);
    else writeRiceGaps(bits, chunkIndices, width);
    for (let j = keptStart; j < keptStart + keep; j++) bits.write(update.codes[j]!, VALUE_BITS);
  }
  const stream = bits.finish();
  const shapeBytes = update.shapes.reduce((total, shape) => total + 1 + 4 * shape.length, 0);
  const bodyLength = chunkCount * 3 + stream.length;
  const total = FIXED_HEADER_BYTES + shapeBytes + 4 + bodyLength + TRAILER_BYTES;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, WIRE_MAGIC, true);
  view.setUint8(4, WIRE_VERSION);
  view.setUint8(5, coding);
  view.setUint8(6, VALUE_BITS);
  view.setUint8(7, SCALE_FORMAT_BF16_RATIO);
  view.setUint32(8, update.chunkSize, true);
  view.setUint32(12, update.k, true);
  view.setUint32(16, update.shapes.length, true);
  let offset = FIXED_HEADER_BYTES;
  for (const shape of update.shapes) {
    view.setUint8(offset++, shape.length);
    for (const dim of shape) {
      view.setUint32(offset, dim, true);
      offset += 4;
    }
  }
  view.setUint32(offset, bodyLength, true);
  offset += 4;
  for (let chunk = 0; chunk < chunkCount; chunk++, offset += 2)
    view.setUint16(offset, update.highScaleBits[chunk]!, true);
  bytes.set(update.lowRatioCodes, offset);
  offset += chunkCount;
  bytes.set(stream, offset);
  offset += stream.length;
  view.setUint32(offset, crc32(bytes.subarray(0, offset)), true);
  return bytes;
}

/** Rice parameter chosen per chunk to minimise the chunk's bits; ties go to the smaller parameter. */
function writeRiceGaps(bits: BitWriter, chunkIndices: Uint16Array, width: number): void {
  let bestParameter = 0;
  let bestBits = Infinity;
  for (let parameter = 0; parameter <= Math.min(width, 15); parameter++) {
    let total = 0;
    let previous = -1;
    for (let j = 0; j < chunkIndices.length; j++) {
      const gap = chunkIndices[j]! - previous - 1;
      total += (gap >>> parameter) + 1 + parameter;
      previous = chunkIndices[j]!;
    }
    if (total < bestBits) {
      bestBits = total;
      bestParameter = parameter;
    }
  }
  bits.write(bestParameter, RICE_PARAMETER_BITS);
  let previous = -1;
  for (let j = 0; j < chunkIndices.length; j++) {
    const gap = chunkIndices[j]! - previous - 1;
    bits.writeUnary(gap >>> bestParameter);
    if (bestParameter > 0) bits.write(gap & ((1 << bestParameter) - 1), bestParameter);
    previous = chunkIndices[j]!;
  }
}

interface ParsedHeader {
  coding: IndexCoding;
  chunkSize: number;
  k: number;
  shapes: number[][];
  bodyStart: number;
  bodyLength: number;
}

/** Parses and checks a payload; every way it can be malformed ends in a KernelError with a stable code. */
export function decodeUpdate(bytes: Uint8Array): CompressedUpdate {
  const header = parseHeader(bytes);
  let layout: ChunkLayout;
  try {
    validateCompressionOptions(header.chunkSize, header.k);
    checkBodyCanHold(header);
    layout = chunkLayout(header.shapes, header.chunkSize, header.k);
  } catch (error) {
    if (error instanceof KernelError && error.code !== 'SPARSELOCO_BAD_LENGTH')
      throw new KernelError('SPARSELOCO_BAD_HEADER', error.message);
    throw error;
  }
  const chunkCount = layout.chunkLengths.length;
  const keptTotal = layout.keptOffsets[chunkCount]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const highScaleBits = new Uint16Array(chunkCount);
  let offset = header.bodyStart;
  for (let chunk = 0; chunk < chunkCount; chunk++, offset += 2) {
    const bits = view.getUint16(offset, true);
    const high = fromBfloat16Bits(bits);
    if (!Number.isFinite(high) || high < 0)
      throw new KernelError('SPARSELOCO_BAD_SCALE', `chunk ${chunk} has scale ${high}`);
    highScaleBits[chunk] = bits;
  }
  const lowRatioCodes = bytes.slice(offset, offset + chunkCount);
  offset += chunkCount;
  const streamBytes = bytes.subarray(offset, header.bodyStart + header.bodyLength);
  const reader = new BitReader(streamBytes);
  const indices = new Uint16Array(keptTotal);
  const codes = new Uint8Array(keptTotal);
  const width = indexBitWidth(header.chunkSize);
  for (let chunk = 0; chunk < chunkCount; chunk++) {
    const keptStart = layout.keptOffsets[chunk]!;
    const keep = layout.chunkKeeps[chunk]!;
    const length = layout.chunkLengths[chunk]!;
    const chunkIndices = indices.subarray(keptStart, keptStart + keep);
    if (header.coding === IndexCoding.Packed) readPacked(reader, chunkIndices, width, length, chunk);
    else readRiceGaps(reader, chunkIndices, length, chunk);
    for (let j = keptStart; j < keptStart + keep; j++) codes[j] = reader.read(VALUE_BITS);
    if (reader.exhausted) throw truncated();
  }
  const paddingBits = reader.bitsRemaining;
  if (paddingBits >= 8)
    throw new KernelError('SPARSELOCO_BAD_LENGTH', `${paddingBits >> 3} unused body bytes`);
  if (reader.read(paddingBits) !== 0)
    throw new KernelError('SPARSELOCO_BAD_PADDING', 'padding bits are not zero');
  return {
    shapes: header.shapes,
    chunkSize: header.chunkSize,
    k: header.k,
    indices,
    codes,
    highScaleBits,
    lowRatioCodes,
  };
}

/**
 * Every chunk needs 3 scale bytes and every kept entry at least 3 bits, so a header that announces more than the
 * body can hold is refused before anything the size of the announced model is allocated.
 */
function checkBodyCanHold(header: ParsedHeader): void {
  let chunks = 0;
  let kept = 0;
  for (const shape of header.shapes) {
    const size = tensorSize(shape);
    const fullChunks = Math.floor(size / header.chunkSize);
    const rest = size - fullChunks * header.chunkSize;
    chunks += fullChunks + (rest > 0 ? 1 : 0);
    kept += fullChunks * header.k + Math.min(header.k, rest);
  }
  if (header.bodyLength * 8 < chunks * 24 + kept * 3)
    throw new KernelError(
      'SPARSELOCO_BAD_LENGTH',
      `a ${header.bodyLength}-byte body cannot hold ${chunks} chunks with ${kept} kept entries`,
    );
}

function truncated(): KernelError {
  return new KernelError('SPARSELOCO_BAD_LENGTH', 'bit stream ends before every chunk is read');
}

function readPacked(reader: BitReader, out: Uint16Array, width: number, length: number, chunk: number): void {
  let previous = -1;
  for (let j = 0; j < out.length; j++) {
    const index = reader.read(width);
    if (reader.exhausted) throw truncated();
    checkIndex(index, previous, length, chunk);
    out[j] = index;
    previous = index;
  }
}

function readRiceGaps(reader: BitReader, out: Uint16Array, length: number, chunk: number): void {
  const parameter = reader.read(RICE_PARAMETER_BITS);
  let previous = -1;
  for (let j = 0; j < out.length; j++) {
    const quotient = reader.readUnary(length >>> parameter);
    if (reader.exhausted) throw truncated();
    const gap = quotient * 2 ** parameter + (parameter > 0 ? reader.read(parameter) : 0);
    if (reader.exhausted) throw truncated();
    const index = previous + 1 + gap;
    checkIndex(index, previous, length, chunk);
    out[j] = index;
    previous = index;
  }
}

function checkIndex(index: number, previous: number, length: number, chunk: number): void {
  if (index >= length)
    throw new KernelError(
      'SPARSELOCO_INDEX_OUT_OF_RANGE',
      `chunk ${chunk}: index ${index} ≥ chunk length ${length}`,
    );
  if (index === previous)
    throw new KernelError('SPARSELOCO_DUPLICATE_INDEX', `chunk ${chunk}: index ${index} repeats`);
  if (index < previous)
    throw new KernelError(
      'SPARSELOCO_UNSORTED_INDICES',
      `chunk ${chunk}: index ${index} follows ${previous}`,
    );
}

function parseHeader(bytes: Uint8Array): ParsedHeader {
  if (bytes.length < FIXED_HEADER_BYTES + 4 + TRAILER_BYTES)
    throw new KernelError(
      'SPARSELOCO_BAD_LENGTH',
      `payload of ${bytes.length} bytes is shorter than any header`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== WIRE_MAGIC)
    throw new KernelError(
      'SPARSELOCO_BAD_MAGIC',
      'payload does not start with "SLCO"',
      'is this a SparseLoCo update?',
    );
  const version = view.getUint8(4);
  if (version !== WIRE_VERSION)
    throw new KernelError(
      'SPARSELOCO_UNKNOWN_VERSION',
      `wire format version ${version} is not supported (expected ${WIRE_VERSION})`,
      'upgrade the coordinator or re-encode with a supported version',
    );
  const bodyEnd = bytes.length - TRAILER_BYTES;
  const expectedCrc = view.getUint32(bodyEnd, true);
  if (crc32(bytes.subarray(0, bodyEnd)) !== expectedCrc)
    throw new KernelError('SPARSELOCO_BAD_CHECKSUM', 'CRC-32 does not match the payload');
  const coding = view.getUint8(5);
  if (coding !== IndexCoding.Packed && coding !== IndexCoding.RiceGaps)
    throw new KernelError('SPARSELOCO_UNKNOWN_INDEX_CODING', `index coding ${coding} is unknown`);
  if (view.getUint8(6) !== VALUE_BITS || view.getUint8(7) !== SCALE_FORMAT_BF16_RATIO)
    throw new KernelError('SPARSELOCO_BAD_HEADER', 'only 2-bit values with bfloat16 scales are supported');
  const chunkSize = view.getUint32(8, true);
  const k = view.getUint32(12, true);
  const tensorCount = view.getUint32(16, true);
  if (tensorCount < 1 || tensorCount > MAX_TENSORS)
    throw new KernelError('SPARSELOCO_BAD_HEADER', `tensor count ${tensorCount} out of range`);
  const shapes: number[][] = [];
  let offset = FIXED_HEADER_BYTES;
  let parameters = 0;
  for (let t = 0; t < tensorCount; t++) {
    if (offset + 1 > bodyEnd) throw new KernelError('SPARSELOCO_BAD_LENGTH', 'header ends inside the shapes');
    const rank = view.getUint8(offset++);
    if (rank < 1 || rank > MAX_RANK)
      throw new KernelError('SPARSELOCO_BAD_HEADER', `tensor ${t} has rank ${rank}`);
    if (offset + 4 * rank > bodyEnd)
      throw new KernelError('SPARSELOCO_BAD_LENGTH', 'header ends inside the shapes');
    const shape: number[] = [];
    for (let d = 0; d < rank; d++, offset += 4) shape.push(view.getUint32(offset, true));
    parameters += tensorSize(shape);
    shapes.push(shape);
  }
  if (parameters > MAX_PARAMETERS)
    throw new KernelError('SPARSELOCO_BAD_HEADER', `shapes describe ${parameters} parameters`);
  if (offset + 4 > bodyEnd)
    throw new KernelError('SPARSELOCO_BAD_LENGTH', 'header ends before the body length');
  const bodyLength = view.getUint32(offset, true);
  const bodyStart = offset + 4;
  if (bodyStart + bodyLength !== bodyEnd)
    throw new KernelError(
      'SPARSELOCO_BAD_LENGTH',
      `header announces a ${bodyLength}-byte body, payload holds ${bodyEnd - bodyStart}`,
    );
  return { coding, chunkSize, k, shapes, bodyStart, bodyLength };
}
