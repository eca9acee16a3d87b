import { sampleBatch } from '../../../model/batch';
import { loadBrownCorpus, trainingShard, untag } from '../../../model/corpus';
import { deriveSeed, mulberry32 } from '../../../model/prng';

describe('untag', () => {
  it('drops part-of-speech tags and keeps the words', () => {
    expect(untag('\n\n\tThe/at jury/nn said/vbd ``/`` no/at ./.\n\n\tA/at 1/2/cd\n')).toBe(
      'The jury said `` no .\nA 1/2',
    );
  });
});

describe('loadBrownCorpus', () => {
  const corpus = loadBrownCorpus();

  it('splits the 500 documents into a fixed train and held-out set', () => {
    expect(corpus.documents).toBe(500);
    expect(corpus.heldOut.length / (corpus.train.length + corpus.heldOut.length)).toBeCloseTo(0.1, 1);
    expect(Buffer.from(corpus.train.subarray(0, 28)).toString('latin1')).toBe('The Fulton County Grand Jury');
  });

  it('gives each peer its own contiguous shard', () => {
    const first = trainingShard(corpus.train, 0, 4);
    const second = trainingShard(corpus.train, 1, 4);
    expect(first.length).toBe(Math.floor(corpus.train.length / 4));
    expect(second.byteOffset).toBe(first.byteOffset + first.length);
  });
});

describe('sampleBatch', () => {
  const text = Buffer.from('abcdefghijklmnopqrstuvwxyz', 'latin1');

  it('pairs each context with the byte that follows it', () => {
    const batch = sampleBatch(text, 32, 3, 1);
    for (let b = 0; b < batch.size; b++) {
      const context = Array.from(batch.contexts.subarray(b * 3, b * 3 + 3));
      expect(context).toEqual([batch.targets[b]! - 3, batch.targets[b]! - 2, batch.targets[b]! - 1]);
    }
  });

  it('is a function of the seed', () => {
    expect(sampleBatch(text, 16, 3, 5)).toEqual(sampleBatch(text, 16, 3, 5));
    expect(sampleBatch(text, 16, 3, 5).targets).not.toEqual(sampleBatch(text, 16, 3, 6).targets);
  });
});

describe('seeded PRNG', () => {
  it('repeats its stream for a seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBe(1000);
  });

  it('derives different seeds for different parts', () => {
    expect(deriveSeed(1, 2, 3)).not.toBe(deriveSeed(1, 3, 2));
    expect(deriveSeed(1, 2, 3)).toBe(deriveSeed(1, 2, 3));
  });
});
