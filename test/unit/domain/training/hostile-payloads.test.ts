import fc from 'fast-check';
import {
  aggregate,
  compress,
  type CompressedUpdate,
  crc32,
  DEFAULT_WIRE_SETTINGS,
  encodeUpdate,
  IndexCoding,
  type WireSettings,
} from '../../../../kernels';
import { DEFAULT_MODEL, weightShapes } from '../../../../model/config';
import { checkPayload } from '../../../../domain/training/payload-check';
import { storedPayloadOf } from '../../../../api/training/stored-payload';
import { roundSettings } from '../../../support/training';
import type { RoundStatus } from '../../../../workflows/training-definitions';
import { doorRefusal } from '../../../../domain/training/refusals';
import { gaussianVector } from '../../kernels/helpers';

/**
 * A hostile training-payload corpus, each case run through the API's door (the round's pure refusal) and the
 * pre-check the round's child and its scorer and aggregator share. Nothing but the honest cases may pass both.
 */
const shapes = weightShapes(DEFAULT_MODEL);
const size = shapes.reduce((total, shape) => total + shape.reduce((a, b) => a * b, 1), 0);
const dense = gaussianVector(size, 7);
const CHECKPOINT = 'ab'.repeat(32);
const run = { shapes, compression: DEFAULT_WIRE_SETTINGS };

const compressed = (chunkSize: number, k: number, tensors = shapes) =>
  compress(
    dense.subarray(
      0,
      tensors.reduce((total, shape) => total + shape.reduce((a, b) => a * b, 1), 0),
    ),
    tensors,
    { chunkSize, k },
  );
const honest = compressed(4096, 64);
const rice = (update: CompressedUpdate) => encodeUpdate(update, IndexCoding.RiceGaps);
const packed = (update: CompressedUpdate) => encodeUpdate(update, IndexCoding.Packed);

function resealed(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  new DataView(copy.buffer).setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)), true);
  return copy;
}
const withBytes = (bytes: Uint8Array, edits: [offset: number, value: number][]) => {
  const copy = Uint8Array.from(bytes);
  for (const [offset, value] of edits) copy[offset] = value;
  return resealed(copy);
};
const withU32 = (bytes: Uint8Array, offset: number, value: number) => {
  const copy = Uint8Array.from(bytes);
  new DataView(copy.buffer).setUint32(offset, value, true);
  return resealed(copy);
};
const withIndices = (update: CompressedUpdate, edit: (indices: Uint16Array) => void): CompressedUpdate => {
  const indices = Uint16Array.from(update.indices);
  edit(indices);
  return { ...update, indices };
};
/** Offset of the first chunk's bfloat16 scale: fixed header, five shapes (ranks 2, 2, 1, 2, 1), body length. */
const SCALES = 20 + (1 + 8) * 3 + (1 + 4) * 2 + 4;
/** The first kept entry of the b1 bias (128 entries, one short chunk): after embedding, then w1's four chunks. */
const B1_FIRST_KEPT = 64 + 4 * 64;

function status(settings: WireSettings = DEFAULT_WIRE_SETTINGS): RoundStatus {
  return {
    runId: 'corpus',
    round: 3,
    checkpointHash: CHECKPOINT,
    heldOutSeed: 1,
    poolSats: 1_000,
    closesAt: 0,
    settings: { ...roundSettings(['mallory']), compression: settings },
    phase: 'open',
    submissions: [],
  };
}

interface Case {
  name: string;
  payload: Uint8Array | string;
  round?: number;
  checkpointHash?: string;
  settings?: WireSettings;
  /** The door's refusal (API and the round's admission), or null when the door lets it in. */
  door: string | null;
  /** The pre-check's code (also the scorer's and the aggregator's), or 'ok'. */
  precheck: string;
}

const MISMATCH = 'GRADIENT_COMPRESSION_MISMATCH';
const cases: Case[] = [
  { name: 'honest, Rice-coded', payload: rice(honest), door: null, precheck: 'ok' },
  { name: 'honest, packed', payload: packed(honest), door: null, precheck: 'ok' },
  { name: 'k = 65', payload: rice(compressed(4096, 65)), door: MISMATCH, precheck: MISMATCH },
  { name: 'k = 63', payload: rice(compressed(4096, 63)), door: MISMATCH, precheck: MISMATCH },
  {
    name: 'k = chunk size (dense)',
    payload: packed(compressed(4096, 4096)),
    door: MISMATCH,
    precheck: MISMATCH,
  },
  {
    name: 'chunk size 65536, k 64',
    payload: rice(compressed(65536, 64)),
    door: MISMATCH,
    precheck: MISMATCH,
  },
  {
    name: 'chunk size 65536, k 1024',
    payload: rice(compressed(65536, 1024)),
    door: MISMATCH,
    precheck: MISMATCH,
  },
  { name: 'chunk size 2048, k 32', payload: rice(compressed(2048, 32)), door: MISMATCH, precheck: MISMATCH },
  {
    name: '3-bit values declared',
    payload: withBytes(rice(honest), [[6, 3]]),
    door: MISMATCH,
    precheck: MISMATCH,
  },
  {
    name: '8-bit values declared',
    payload: withBytes(rice(honest), [[6, 8]]),
    door: MISMATCH,
    precheck: MISMATCH,
  },
  {
    name: 'packed where the run takes Rice only',
    payload: packed(honest),
    settings: { ...DEFAULT_WIRE_SETTINGS, indexCodings: ['rice'] },
    door: MISMATCH,
    precheck: MISMATCH,
  },
  {
    name: 'Rice where the run takes packed only',
    payload: rice(honest),
    settings: { ...DEFAULT_WIRE_SETTINGS, indexCodings: ['packed'] },
    door: MISMATCH,
    precheck: MISMATCH,
  },
  {
    name: 'an unknown index coding',
    payload: withBytes(rice(honest), [[5, 7]]),
    door: MISMATCH,
    precheck: MISMATCH,
  },
  {
    name: 'a NaN scale',
    payload: withBytes(rice(honest), [
      [SCALES, 0xc0],
      [SCALES + 1, 0x7f],
    ]),
    door: null,
    precheck: 'SPARSELOCO_BAD_SCALE',
  },
  {
    name: 'an infinite scale',
    payload: withBytes(rice(honest), [
      [SCALES, 0x80],
      [SCALES + 1, 0x7f],
    ]),
    door: null,
    precheck: 'SPARSELOCO_BAD_SCALE',
  },
  {
    name: 'a negative scale',
    payload: withBytes(rice(honest), [[SCALES + 1, 0xbf]]),
    door: null,
    precheck: 'SPARSELOCO_BAD_SCALE',
  },
  {
    name: 'an index past a short chunk (packed)',
    payload: packed(withIndices(honest, (i) => (i[B1_FIRST_KEPT + 63] = 200))),
    door: null,
    precheck: 'SPARSELOCO_INDEX_OUT_OF_RANGE',
  },
  {
    name: 'an index past a short chunk (Rice)',
    payload: rice(withIndices(honest, (i) => (i[B1_FIRST_KEPT + 63] = 128))),
    door: null,
    precheck: 'SPARSELOCO_INDEX_OUT_OF_RANGE',
  },
  {
    name: 'a duplicate index within a chunk',
    payload: packed(withIndices(honest, (i) => (i[1] = i[0]!))),
    door: null,
    precheck: 'SPARSELOCO_DUPLICATE_INDEX',
  },
  {
    name: 'unsorted indices within a chunk',
    payload: packed(withIndices(honest, (i) => ([i[0], i[1]] = [i[1]!, i[0]!]))),
    door: null,
    precheck: 'SPARSELOCO_UNSORTED_INDICES',
  },
  {
    name: 'truncated by one byte',
    payload: rice(honest).subarray(0, rice(honest).length - 1),
    door: null,
    precheck: 'SPARSELOCO_BAD_CHECKSUM',
  },
  {
    name: 'truncated and resealed',
    payload: resealed(rice(honest).subarray(0, rice(honest).length - 40)),
    door: null,
    precheck: 'SPARSELOCO_BAD_LENGTH',
  },
  {
    name: 'extended and resealed',
    payload: resealed(Uint8Array.from([...rice(honest), 0, 0, 0, 0])),
    door: null,
    precheck: 'SPARSELOCO_BAD_LENGTH',
  },
  {
    name: 'only a header',
    payload: rice(honest).subarray(0, 24),
    door: null,
    precheck: 'SPARSELOCO_BAD_LENGTH',
  },
  {
    name: 'one tensor short',
    payload: rice(compressed(4096, 64, shapes.slice(0, -1))),
    door: null,
    precheck: 'GRADIENT_SHAPE_MISMATCH',
  },
  {
    name: 'one tensor more',
    payload: rice(compress(gaussianVector(size + 10, 3), [...shapes, [10]], { chunkSize: 4096, k: 64 })),
    door: null,
    precheck: 'GRADIENT_SHAPE_MISMATCH',
  },
  {
    name: 'a transposed matrix',
    payload: rice(compressed(4096, 64, [[16, 256], ...shapes.slice(1)])),
    door: null,
    precheck: 'GRADIENT_SHAPE_MISMATCH',
  },
  {
    name: 'a tensor count of 65536',
    payload: withU32(rice(honest), 16, 65_536),
    door: null,
    precheck: 'SPARSELOCO_BAD_HEADER',
  },
  {
    name: 'a tensor count of 2^32 − 1',
    payload: withU32(rice(honest), 16, 0xffffffff),
    door: null,
    precheck: 'SPARSELOCO_BAD_HEADER',
  },
  {
    name: 'a dimension of 2^31',
    payload: withU32(rice(honest), 21, 2 ** 31),
    door: null,
    precheck: 'SPARSELOCO_BAD_LENGTH',
  },
  {
    name: 'a body length of 2^32 − 1',
    payload: withU32(rice(honest), SCALES - 4, 0xffffffff),
    door: null,
    precheck: 'SPARSELOCO_BAD_LENGTH',
  },
  {
    name: 'chunk size 2^32 − 1',
    payload: withU32(rice(honest), 8, 0xffffffff),
    door: MISMATCH,
    precheck: MISMATCH,
  },
  {
    name: 'a wrong magic',
    payload: withBytes(rice(honest), [[0, 0x41]]),
    door: null,
    precheck: 'SPARSELOCO_BAD_MAGIC',
  },
  {
    name: 'format version 2',
    payload: withBytes(rice(honest), [[4, 2]]),
    door: null,
    precheck: 'SPARSELOCO_UNKNOWN_VERSION',
  },
  { name: 'no bytes at all', payload: new Uint8Array(0), door: null, precheck: 'SPARSELOCO_BAD_LENGTH' },
  {
    name: 'text, not an update',
    payload: new TextEncoder().encode('definitely not an update'),
    door: null,
    precheck: 'SPARSELOCO_BAD_LENGTH',
  },
  {
    name: 'an honest update for round 2',
    payload: rice(honest),
    round: 2,
    door: 'WRONG_ROUND',
    precheck: 'ok',
  },
  {
    name: 'an honest update on another checkpoint (model hash)',
    payload: rice(honest),
    checkpointHash: 'cd'.repeat(32),
    door: 'STALE_CHECKPOINT',
    precheck: 'ok',
  },
  {
    name: 'a payload over the size limit',
    payload: 'A'.repeat(300_000),
    door: 'PAYLOAD_TOO_LARGE',
    precheck: 'SPARSELOCO_BAD_MAGIC',
  },
  {
    name: 'base64 that is not base64',
    payload: '!!!!'.repeat(10),
    door: null,
    precheck: 'SPARSELOCO_BAD_LENGTH',
  },
];

const base64Of = (payload: Uint8Array | string) =>
  typeof payload === 'string' ? payload : Buffer.from(payload).toString('base64');

const seen = { cases: 0, refusedAtDoor: 0, refusedAtPrecheck: 0, passedBoth: 0 };

describe('the hostile training-payload corpus', () => {
  afterAll(() => {
    process.stdout.write(
      `training payload corpus: ${seen.cases} cases, ${seen.refusedAtDoor} refused at the door, ` +
        `${seen.refusedAtPrecheck} more by the pre-check, ${seen.passedBoth} passed both\n`,
    );
  });

  it.each(cases)('$name: door $door, pre-check $precheck', (entry) => {
    const bytes = Buffer.from(base64Of(entry.payload), 'base64');
    const door = doorRefusal(status(entry.settings), {
      peerId: 'mallory',
      round: entry.round ?? 3,
      checkpointHash: entry.checkpointHash ?? CHECKPOINT,
      payload: storedPayloadOf(bytes),
      earnerPublicKey: '02'.padEnd(66, '0'),
    });
    const checked = checkPayload(bytes, {
      shapes,
      compression: entry.settings ?? DEFAULT_WIRE_SETTINGS,
    });
    expect([door, checked.ok ? 'ok' : checked.code]).toEqual([entry.door, entry.precheck]);
    seen.cases += 1;
    if (door) seen.refusedAtDoor += 1;
    else if (!checked.ok) seen.refusedAtPrecheck += 1;
    else seen.passedBoth += 1;
  });

  it('lets only the two honest updates through both checks', () => {
    expect(
      cases.filter((entry) => entry.door === null && entry.precheck === 'ok').map((e) => e.name),
    ).toEqual(['honest, Rice-coded', 'honest, packed']);
  });
});

describe('whatever passes the pre-check aggregates', () => {
  it('any corruption of an honest payload is refused with a code, or aggregates with the honest update', () => {
    const valid = [rice(honest), packed(honest)];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (which, edits, headerOnly) => {
          const corrupt = Uint8Array.from(valid[which]!);
          for (const [position, value] of edits)
            corrupt[position % (headerOnly ? 24 : corrupt.length)] = value;
          const checked = checkPayload(resealed(corrupt), run);
          if (checked.ok) expect(aggregate([honest, checked.update]).length).toBe(size);
          else expect(checked.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
