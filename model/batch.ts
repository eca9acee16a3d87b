import { mulberry32 } from './prng';

/** `size` examples: each the `context` bytes before a position (row-major in `contexts`) and the byte at it. */
export interface Batch {
  readonly size: number;
  readonly context: number;
  readonly contexts: Int32Array;
  readonly targets: Int32Array;
}

/** Positions drawn uniformly from the text with a seeded PRNG: the same seed gives the same batch. */
export function sampleBatch(text: Uint8Array, size: number, context: number, seed: number): Batch {
  if (text.length <= context)
    throw new RangeError(`text of ${text.length} bytes is too short for context ${context}`);
  const random = mulberry32(seed);
  const contexts = new Int32Array(size * context);
  const targets = new Int32Array(size);
  const span = text.length - context;
  for (let b = 0; b < size; b++) {
    const position = context + Math.floor(random() * span);
    for (let c = 0; c < context; c++) contexts[b * context + c] = text[position - context + c]!;
    targets[b] = text[position]!;
  }
  return { size, context, contexts, targets };
}
