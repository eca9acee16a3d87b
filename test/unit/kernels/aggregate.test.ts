import { aggregate, applyOuterStep, compress, decompress, KernelError, updateNorm } from '../../../kernels';

const shapes = [[8]];
const options = { chunkSize: 8, k: 2 };

/** An update keeping two entries of equal magnitude, so quantization is exact. */
function sparse(first: number, second: number, magnitude: number) {
  const dense = new Float32Array(8);
  dense[first] = magnitude;
  dense[second] = -magnitude;
  return compress(dense, shapes, options);
}

describe('aggregate', () => {
  it('divides by the number of accepted peers, counting missing indices as zero', () => {
    const mean = aggregate([sparse(0, 1, 2), sparse(2, 3, 2)]);
    expect(Array.from(mean)).toEqual([1, -1, 1, -1, 0, 0, 0, 0]);
  });

  it('clips every update to the median norm of the set and never scales one up', () => {
    const small = sparse(0, 1, 1);
    const median = sparse(2, 3, 2);
    const huge = sparse(4, 5, 100);
    const mean = aggregate([small, median, huge]);
    expect(updateNorm(median)).toBeCloseTo(2 * Math.SQRT2, 6);
    expect(mean[0]).toBeCloseTo(1 / 3, 6);
    expect(mean[2]).toBeCloseTo(2 / 3, 6);
    expect(mean[4]).toBeCloseTo(2 / 3, 6);
    expect(mean[5]).toBeCloseTo(-2 / 3, 6);
  });

  it('is the decompressed update for a single peer', () => {
    const update = sparse(6, 7, 3);
    expect(aggregate([update])).toEqual(decompress(update));
  });

  it('refuses an empty set and mismatched layouts', () => {
    expect(() => aggregate([])).toThrow(expect.objectContaining({ code: 'SPARSELOCO_EMPTY_AGGREGATE' }));
    const other = compress(new Float32Array(9), [[9]], options);
    expect(() => aggregate([sparse(0, 1, 1), other])).toThrow(KernelError);
  });
});

describe('applyOuterStep', () => {
  it('subtracts the outer learning rate times the update', () => {
    const next = applyOuterStep(Float32Array.from([1, 2]), Float32Array.from([0.5, -1]), 0.5);
    expect(Array.from(next)).toEqual([0.75, 2.5]);
  });
});
