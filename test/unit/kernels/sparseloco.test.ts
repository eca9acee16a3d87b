import fc from 'fast-check';
import {
  chunkLayout,
  compress,
  compressWithErrorFeedback,
  decodeUpdate,
  decompress,
  encodeUpdate,
  IndexCoding,
  KernelError,
  keptValues,
} from '../../../kernels';
import { gaussianVector } from './helpers';

describe('compress', () => {
  const shapes = [[3, 100], [37], [64, 64]];
  const dense = gaussianVector(300 + 37 + 4096, 7);
  const options = { chunkSize: 128, k: 8 };

  it('keeps exactly the k largest magnitudes of every chunk, with their signs', () => {
    const update = compress(dense, shapes, options);
    const layout = chunkLayout(shapes, options.chunkSize, options.k);
    const restored = decompress(update);
    for (let chunk = 0; chunk < layout.chunkLengths.length; chunk++) {
      const start = layout.chunkStarts[chunk]!;
      const length = layout.chunkLengths[chunk]!;
      const magnitudes = Array.from(dense.subarray(start, start + length), Math.abs).sort((a, b) => b - a);
      const threshold = magnitudes[layout.chunkKeeps[chunk]! - 1]!;
      let kept = 0;
      for (let i = start; i < start + length; i++) {
        if (restored[i] === 0) continue;
        kept++;
        expect(Math.abs(dense[i]!)).toBeGreaterThanOrEqual(threshold);
        expect(Math.sign(restored[i]!)).toBe(Math.sign(dense[i]!));
      }
      expect(kept).toBe(layout.chunkKeeps[chunk]);
    }
  });

  it('chunks each tensor on its own, so a short tensor gets a short chunk', () => {
    const layout = chunkLayout(shapes, options.chunkSize, options.k);
    expect(Array.from(layout.chunkLengths)).toEqual([128, 128, 44, 37, ...Array(32).fill(128)]);
  });

  it('quantizes to two magnitude levels per chunk', () => {
    const update = compress(dense, [[dense.length]], { chunkSize: 4096, k: 64 });
    const levels = new Set(Array.from(keptValues(update).subarray(0, 64), Math.abs));
    expect(levels.size).toBeLessThanOrEqual(2);
  });

  it('is deterministic: the same input gives the same bytes', () => {
    const a = encodeUpdate(compress(dense, shapes, options), IndexCoding.RiceGaps);
    const b = encodeUpdate(compress(Float32Array.from(dense), shapes, options), IndexCoding.RiceGaps);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('breaks magnitude ties towards the lower index', () => {
    const flat = new Float32Array(16).fill(1);
    const update = compress(flat, [[16]], { chunkSize: 16, k: 3 });
    expect(Array.from(update.indices)).toEqual([0, 1, 2]);
  });

  it.each([NaN, Infinity, -Infinity])('rejects a %p entry', (bad) => {
    const input = Float32Array.from(dense);
    input[200] = bad;
    expect(() => compress(input, shapes, options)).toThrow(
      expect.objectContaining({ code: 'SPARSELOCO_NON_FINITE_INPUT' }),
    );
  });

  it('rejects a vector that does not match the shapes', () => {
    expect(() => compress(dense.subarray(1), shapes, options)).toThrow(KernelError);
  });

  it('round-trips through both wire codings for any shapes and settings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 2, max: 256 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (sizes, chunkSize, kRaw, seed) => {
          const k = Math.min(kRaw, chunkSize);
          const tensorShapes = sizes.map((size) => [size]);
          const input = gaussianVector(
            sizes.reduce((a, b) => a + b, 0),
            seed,
          );
          const update = compress(input, tensorShapes, { chunkSize, k });
          for (const coding of [IndexCoding.Packed, IndexCoding.RiceGaps]) {
            const decoded = decodeUpdate(encodeUpdate(update, coding));
            expect(decoded.indices).toEqual(update.indices);
            expect(decoded.codes).toEqual(update.codes);
            expect(decoded.highScaleBits).toEqual(update.highScaleBits);
            expect(decoded.lowRatioCodes).toEqual(update.lowRatioCodes);
            expect(decoded.shapes).toEqual(tensorShapes);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('compressWithErrorFeedback', () => {
  it('leaves residual = decay·residual + delta − decompress(update)', () => {
    const shapes = [[1024]];
    const options = { chunkSize: 256, k: 16 };
    const residual = gaussianVector(1024, 1).map((v) => v * 0.1);
    const before = Float32Array.from(residual);
    const delta = gaussianVector(1024, 2);
    const update = compressWithErrorFeedback(residual, delta, 0.9, shapes, options);
    const sent = decompress(update);
    for (let i = 0; i < 1024; i++) {
      const accumulated = Math.fround(0.9 * before[i]! + delta[i]!);
      expect(residual[i]).toBeCloseTo(accumulated - sent[i]!, 6);
    }
  });

  it('eventually sends what a single update leaves behind', () => {
    const shapes = [[512]];
    const options = { chunkSize: 512, k: 8 };
    const residual = new Float32Array(512);
    const delta = gaussianVector(512, 3);
    const total = new Float32Array(512);
    compressWithErrorFeedback(residual, delta, 1, shapes, options);
    const first = decompress(compress(delta, shapes, options));
    for (let round = 0; round < 200; round++) {
      const sent = decompress(compressWithErrorFeedback(residual, new Float32Array(512), 1, shapes, options));
      for (let i = 0; i < 512; i++) total[i] = total[i]! + sent[i]!;
    }
    let error = 0;
    let norm = 0;
    for (let i = 0; i < 512; i++) {
      error += (first[i]! + total[i]! - delta[i]!) ** 2;
      norm += delta[i]! ** 2;
    }
    expect(Math.sqrt(error / norm)).toBeLessThan(0.05);
  });
});
