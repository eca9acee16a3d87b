import {
  type CompressedUpdate,
  crc32,
  decodeUpdate,
  encodeUpdate,
  IndexCoding,
  KernelError,
} from '../../../kernels';

/**
 * Known-answer vectors for wire format version 1, derived by hand (the CRC-32 by an independent zlib): a tensor
 * of 5 entries in chunks of 4 with k = 2, so chunk 0 keeps 2 of 4 entries and chunk 1 its only one.
 *
 *   chunk 0: indices 1, 3; codes 01 (+high), 10 (−low); high 1.0 (bf16 3f80), low ratio code 127 (0.5)
 *   chunk 1: index 0;      code  11 (−high);             high 2.0 (bf16 4000), low ratio code 63 (0.25)
 */
const fixture: CompressedUpdate = {
  shapes: [[5]],
  chunkSize: 4,
  k: 2,
  indices: Uint16Array.of(1, 3, 0),
  codes: Uint8Array.of(0b01, 0b10, 0b11),
  highScaleBits: Uint16Array.of(0x3f80, 0x4000),
  lowRatioCodes: Uint8Array.of(127, 63),
};

/** Fixed header: magic, version, coding, value bits, scale format, chunk size, k, tensor count, shape [5]. */
const header = (coding: number) => `534c434f 01 0${coding} 02 01 04000000 02000000 01000000 01 05000000`;
const scales = '803f 0040 7f 3f';

/**
 * A bit stream written as the decoder reads it: fields in order, each field's bits least significant first,
 * packed into bytes from bit 0 up; spaces only separate fields. Independent of the kernels' BitWriter.
 */
function lsbFirst(fields: string): string {
  const bits = fields.replace(/\s+/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < bits.length; i++) {
    if (i % 8 === 0) bytes.push(0);
    if (bits[i] === '1') bytes[bytes.length - 1]! |= 1 << (i % 8);
  }
  return Buffer.from(bytes).toString('hex');
}

const hex = (spaced: string) => Uint8Array.from(Buffer.from(spaced.replace(/\s+/g, ''), 'hex'));

/** A payload from header, body length, body and a CRC computed by the kernels (for the boundary cases). */
function payload(coding: number, stream: string): Uint8Array {
  const body = hex(scales + stream);
  const lengthBytes = Buffer.alloc(4);
  lengthBytes.writeUInt32LE(body.length);
  const unsealed = Buffer.concat([hex(header(coding)), lengthBytes, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(unsealed));
  return Uint8Array.from(Buffer.concat([unsealed, crc]));
}

function codeOf(bytes: Uint8Array): string {
  try {
    decodeUpdate(bytes);
  } catch (error) {
    if (error instanceof KernelError) return error.code;
    throw error;
  }
  return 'DECODED';
}

// Packed: 2-bit indices (chunk size 4), then the chunk's 2-bit codes; 12 bits, 4 zero padding bits.
const PACKED_STREAM = '10 11 10 01   00 11';
// Rice: per chunk a 4-bit parameter (0 here: ties go to the smaller one), unary gaps less one, then the codes;
// chunk 0 gaps 1 and 1 (indices 1, 3), chunk 1 gap 0 (index 0); 19 bits, 5 zero padding bits.
const RICE_STREAM = '0000 10 10 10 01   0000 0 11';

const vectors = [
  {
    name: 'packed',
    coding: IndexCoding.Packed,
    stream: PACKED_STREAM,
    streamBits: 12,
    bytes: `${header(0)} 08000000 ${scales} 9d0c 1fd4c9fd`,
  },
  {
    name: 'Rice-coded',
    coding: IndexCoding.RiceGaps,
    stream: RICE_STREAM,
    streamBits: 19,
    bytes: `${header(1)} 09000000 ${scales} 500906 b936f0b9`,
  },
];

describe.each(vectors)('known-answer vector, $name indices', ({ coding, stream, streamBits, bytes }) => {
  it('encodes the fixture to exactly the pinned bytes', () => {
    expect(Buffer.from(encodeUpdate(fixture, coding)).toString('hex')).toBe(bytes.replace(/\s+/g, ''));
  });

  it('writes the hand-derived bit stream', () => {
    expect(lsbFirst(stream)).toBe(bytes.replace(/\s+/g, '').slice(-8 - 2 * Math.ceil(streamBits / 8), -8));
  });

  it('decodes the pinned bytes to the fixture', () => {
    expect(decodeUpdate(hex(bytes))).toEqual(fixture);
  });

  const paddingBits = 8 * Math.ceil(streamBits / 8) - streamBits;
  it.each(Array.from({ length: paddingBits }, (_, bit) => bit))('refuses padding bit %i set', (bit) => {
    const padded = stream + ' ' + '0'.repeat(bit) + '1' + '0'.repeat(paddingBits - bit - 1);
    expect(codeOf(payload(coding, lsbFirst(padded)))).toBe('SPARSELOCO_BAD_PADDING');
  });

  it('refuses one more zero byte after the padding, and the stream without its last byte', () => {
    const full = lsbFirst(stream);
    expect(codeOf(payload(coding, full + '00'))).toBe('SPARSELOCO_BAD_LENGTH');
    expect(codeOf(payload(coding, full.slice(0, -2)))).toBe('SPARSELOCO_BAD_LENGTH');
  });
});

describe('the index bound', () => {
  it.each<[string, number, string, string]>([
    [
      'packed: the short chunk’s last index (0) is taken',
      IndexCoding.Packed,
      '10 11 10 01  00 11',
      'DECODED',
    ],
    [
      'packed: index 1 in the 1-entry chunk is refused',
      IndexCoding.Packed,
      '10 11 10 01  10 11',
      'SPARSELOCO_INDEX_OUT_OF_RANGE',
    ],
    ['Rice: index 3 = chunk length − 1 is taken', IndexCoding.RiceGaps, RICE_STREAM, 'DECODED'],
    // gaps 1 then 2: indices 1 and 4, where 4 is the first entry of the next chunk
    [
      'Rice: index 4 = chunk length is refused',
      IndexCoding.RiceGaps,
      '0000 10 110 10 01  0000 0 11',
      'SPARSELOCO_INDEX_OUT_OF_RANGE',
    ],
    [
      'Rice: index 1 = length of the 1-entry chunk is refused',
      IndexCoding.RiceGaps,
      '0000 10 10 10 01  0000 10 11',
      'SPARSELOCO_INDEX_OUT_OF_RANGE',
    ],
  ])('%s', (_case, coding, stream, expected) => {
    expect(codeOf(payload(coding, lsbFirst(stream)))).toBe(expected);
  });
});

describe('a stream with no padding', () => {
  // shape [6]: chunk 1 holds 2 entries and keeps both, so the packed stream is exactly 16 bits
  const six = (stream: string, extra = '') => {
    const bytes = payload(IndexCoding.Packed, lsbFirst(stream) + extra);
    const copy = Uint8Array.from(bytes);
    copy[21] = 6;
    new DataView(copy.buffer).setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)), true);
    return copy;
  };
  const FULL = '10 11 10 01  00 10 11 00';

  it('decodes when the last field ends on a byte boundary', () => {
    expect(codeOf(six(FULL))).toBe('DECODED');
  });

  it('refuses a whole byte of padding (8 unused bits)', () => {
    expect(codeOf(six(FULL, '00'))).toBe('SPARSELOCO_BAD_LENGTH');
  });
});
