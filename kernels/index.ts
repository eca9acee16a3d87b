export { aggregate, applyOuterStep, lowerMedian, updateNorm } from './aggregate';
export { crc32 } from './crc32';
export { KernelError, type KernelErrorCode } from './errors';
export { chunkLayout, type TensorShapes, tensorSize } from './layout';
export {
  compress,
  compressWithErrorFeedback,
  type CompressedUpdate,
  type CompressionOptions,
  decompress,
  decompressInto,
  fullChunkPositions,
  keptPositions,
  keptValues,
} from './sparseloco';
export { decodeUpdate, encodeUpdate, IndexCoding, WIRE_VERSION } from './wire';
export {
  DEFAULT_WIRE_SETTINGS,
  INDEX_CODINGS,
  type IndexCodingName,
  type WireParameters,
  type WireSettings,
  wireMismatch,
  wireParameters,
} from './wire-parameters';
