import { IndexCoding, VALUE_BITS, WIRE_MAGIC, WIRE_VERSION } from './wire';

/** How a run's updates must be compressed and coded on the wire; recorded in the run's settings (history). */
export interface WireSettings {
  readonly chunkSize: number;
  readonly k: number;
  readonly valueBits: number;
  readonly indexCodings: readonly IndexCodingName[];
}

export type IndexCodingName = 'packed' | 'rice';

export const INDEX_CODINGS: Record<IndexCodingName, IndexCoding> = {
  packed: IndexCoding.Packed,
  rice: IndexCoding.RiceGaps,
};

/** The paper's setting (chunks of 4096, top-64, 2-bit values), either index coding. */
export const DEFAULT_WIRE_SETTINGS: WireSettings = {
  chunkSize: 4096,
  k: 64,
  valueBits: VALUE_BITS,
  indexCodings: ['packed', 'rice'],
};

/** The compression parameters a version-1 payload declares in its fixed header. */
export interface WireParameters {
  readonly coding: number;
  readonly valueBits: number;
  readonly chunkSize: number;
  readonly k: number;
}

const FIXED_HEADER_BYTES = 20;

/**
 * The declared parameters, read from the first 20 bytes alone (no checksum, no body); null when the bytes are
 * not a version-1 header, which the full decoder then refuses with its own code.
 */
export function wireParameters(bytes: Uint8Array): WireParameters | null {
  if (bytes.length < FIXED_HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, FIXED_HEADER_BYTES);
  if (view.getUint32(0, true) !== WIRE_MAGIC || view.getUint8(4) !== WIRE_VERSION) return null;
  return {
    coding: view.getUint8(5),
    valueBits: view.getUint8(6),
    chunkSize: view.getUint32(8, true),
    k: view.getUint32(12, true),
  };
}

/** What in a payload's declared parameters differs from the run's settings, in words; null when nothing does. */
export function wireMismatch(settings: WireSettings, declared: WireParameters): string | null {
  const differences: string[] = [];
  if (declared.chunkSize !== settings.chunkSize)
    differences.push(`chunk size ${declared.chunkSize} (the run's is ${settings.chunkSize})`);
  if (declared.k !== settings.k) differences.push(`k ${declared.k} (the run's is ${settings.k})`);
  if (declared.valueBits !== settings.valueBits)
    differences.push(`${declared.valueBits}-bit values (the run's are ${settings.valueBits}-bit)`);
  const allowed = settings.indexCodings.map((name) => INDEX_CODINGS[name]);
  if (!allowed.includes(declared.coding))
    differences.push(`index coding ${declared.coding} (the run takes ${settings.indexCodings.join(', ')})`);
  return differences.length > 0 ? differences.join('; ') : null;
}
