import fc from 'fast-check';
import {
  compress,
  type CompressedUpdate,
  crc32,
  decodeUpdate,
  encodeUpdate,
  IndexCoding,
  KernelError,
} from '../../../kernels';
import { gaussianVector } from './helpers';

const shapes = [[4, 512], [100]];
const update = compress(gaussianVector(2148, 11), shapes, { chunkSize: 512, k: 16 });

/** Recomputes the trailing CRC so a test reaches the check it targets. */
function resealed(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  new DataView(copy.buffer).setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)), true);
  return copy;
}

function withByte(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[offset] = value;
  return resealed(copy);
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof KernelError) return error.code;
    throw error;
  }
  return undefined;
}

const scalesOffset = 20 + (1 + 8) + (1 + 4) + 4;

describe.each([
  ['packed', IndexCoding.Packed],
  ['rice', IndexCoding.RiceGaps],
])('wire format with %s indices', (_name, coding) => {
  const bytes = encodeUpdate(update, coding);
  const decode = (payload: Uint8Array) => () => decodeUpdate(payload);

  it('starts with the magic, the version and the declared coding', () => {
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('SLCO');
    expect(bytes[4]).toBe(1);
    expect(bytes[5]).toBe(coding);
  });

  it.each<[string, (payload: Uint8Array) => Uint8Array, string]>([
    ['a wrong magic', (p) => withByte(p, 0, 0x00), 'SPARSELOCO_BAD_MAGIC'],
    ['an unknown version', (p) => withByte(p, 4, 2), 'SPARSELOCO_UNKNOWN_VERSION'],
    ['an unknown index coding', (p) => withByte(p, 5, 7), 'SPARSELOCO_UNKNOWN_INDEX_CODING'],
    ['a flipped bit', (p) => Uint8Array.from(p, (b, i) => (i === 40 ? b ^ 1 : b)), 'SPARSELOCO_BAD_CHECKSUM'],
    ['a truncated payload', (p) => resealed(p.subarray(0, p.length - 9)), 'SPARSELOCO_BAD_LENGTH'],
    [
      'an extra byte',
      (p) => resealed(Uint8Array.from([...p.subarray(0, p.length - 4), 0, 0, 0, 0, 0])),
      'SPARSELOCO_BAD_LENGTH',
    ],
    ['a tiny payload', (p) => p.subarray(0, 10), 'SPARSELOCO_BAD_LENGTH'],
    ['k larger than the chunk', (p) => withByte(p, 13, 0xff), 'SPARSELOCO_BAD_HEADER'],
    [
      'a NaN scale',
      (p) => withByte(withByte(p, scalesOffset, 0xc0), scalesOffset + 1, 0x7f),
      'SPARSELOCO_BAD_SCALE',
    ],
    [
      'an infinite scale',
      (p) => withByte(withByte(p, scalesOffset, 0x80), scalesOffset + 1, 0x7f),
      'SPARSELOCO_BAD_SCALE',
    ],
    [
      'a negative scale',
      (p) => withByte(p, scalesOffset + 1, p[scalesOffset + 1]! | 0x80),
      'SPARSELOCO_BAD_SCALE',
    ],
  ])('rejects %s', (_case, corrupt, code) => {
    expect(codeOf(decode(corrupt(bytes)))).toBe(code);
  });

  it('rejects an index past the chunk end', () => {
    expect(codeOf(decode(encodeUpdate(withIndex(update, 20, 99), coding)))).toBe(
      'SPARSELOCO_INDEX_OUT_OF_RANGE',
    );
  });

  it('gives errors an HTTP status of 400 and a stable name', () => {
    try {
      decodeUpdate(withByte(bytes, 4, 9));
      throw new Error('expected a rejection');
    } catch (error) {
      expect(error).toBeInstanceOf(KernelError);
      expect((error as KernelError).status).toBe(400);
      expect((error as KernelError).name).toBe('KernelError');
    }
  });
});

describe('a header announcing more than the body holds', () => {
  it('is refused before the announced model is allocated', () => {
    const bytes = encodeUpdate(update, IndexCoding.Packed);
    const huge = Uint8Array.from(bytes);
    // first tensor [4, 512] becomes [4, 0x7fffffff]
    new DataView(huge.buffer).setUint32(20 + 1 + 4, 0x7fffffff, true);
    expect(codeOf(() => decodeUpdate(resealed(huge)))).toBe('SPARSELOCO_BAD_LENGTH');
  });
});

describe('packed indices', () => {
  // gap coding cannot express a repeated or decreasing index: gaps are non-negative by construction
  it.each<[string, (u: CompressedUpdate) => CompressedUpdate, string]>([
    ['a duplicate index', (u) => withIndex(u, 1, u.indices[0]!), 'SPARSELOCO_DUPLICATE_INDEX'],
    ['unsorted indices', (u) => withIndex(u, 1, 0), 'SPARSELOCO_UNSORTED_INDICES'],
  ])('rejects %s', (_case, corrupt, code) => {
    expect(codeOf(() => decodeUpdate(encodeUpdate(corrupt(update), IndexCoding.Packed)))).toBe(code);
  });
});

describe('Rice-coded indices', () => {
  it('rejects a run of ones longer than any gap in the chunk', () => {
    const bytes = encodeUpdate(update, IndexCoding.RiceGaps);
    const streamStart = scalesOffset + 3 * 5;
    const corrupt = Uint8Array.from(bytes);
    // parameter 0 followed by ones: the first gap never ends inside the chunk
    corrupt[streamStart] = 0xf0;
    corrupt.fill(0xff, streamStart + 1, corrupt.length - 4);
    expect(codeOf(() => decodeUpdate(resealed(corrupt)))).toBe('SPARSELOCO_INDEX_OUT_OF_RANGE');
  });
});

/** The 100-entry bias tensor is the last chunk: its kept indices start at 4·16 = 64. */
function withIndex(source: CompressedUpdate, position: number, index: number): CompressedUpdate {
  const indices = Uint16Array.from(source.indices);
  indices[position === 20 ? 64 + 15 : position] = position === 20 ? 100 + index : index;
  return { ...source, indices };
}

describe('wire size', () => {
  it('packs 12-bit indices and 2-bit values exactly in the paper setting', () => {
    const parameters = 4096 * 64;
    const paper = compress(gaussianVector(parameters, 5), [[parameters]], { chunkSize: 4096, k: 64 });
    const chunks = 64;
    const header = 20 + 1 + 4 + 4;
    const body = chunks * 3 + (chunks * 64 * (12 + 2)) / 8;
    expect(encodeUpdate(paper, IndexCoding.Packed).length).toBe(header + body + 4);
    expect(encodeUpdate(paper, IndexCoding.RiceGaps).length).toBeLessThan((header + body + 4) * 0.75);
  });
});

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('decoder robustness', () => {
  it('answers any corruption of a valid payload with a decoded update or a KernelError, never another error', () => {
    const valid = [IndexCoding.Packed, IndexCoding.RiceGaps].map((coding) => encodeUpdate(update, coding));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 64 }),
        (which, edits, cut) => {
          const corrupt = Uint8Array.from(valid[which]!);
          for (const [position, value] of edits) corrupt[position % corrupt.length] = value;
          const payload = resealed(corrupt.subarray(0, Math.max(8, corrupt.length - cut)));
          try {
            decodeUpdate(payload);
          } catch (error) {
            expect(error).toBeInstanceOf(KernelError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
