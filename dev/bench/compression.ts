import { compress, type CompressedUpdate, encodeUpdate, IndexCoding } from '../../kernels';
import { indexBitWidth } from '../../kernels/wire';
import { syntheticPseudoGradient, printTable } from './synthetic';

/**
 * Compression ratio against dense fp32, counting every byte on the wire (header, scales, checksum), for the
 * paper's setting and others: exact packing, Rice gap coding, and a Templar-style layout (same packed indices,
 * one byte per 2-bit value) measured on the same update.
 */
const settings = [
  { chunkSize: 4096, k: 64 },
  { chunkSize: 2048, k: 32 },
  { chunkSize: 4096, k: 32 },
  { chunkSize: 4096, k: 128 },
];
const shapes = [[4096, 4096]];
const parameters = 4096 * 4096;
const denseBytes = parameters * 4;
const gradient = syntheticPseudoGradient(parameters, 1);

/** Our wire layout with each 2-bit value widened to a byte, as Templar's shipped code stores them. */
function templarStyleBytes(update: CompressedUpdate, packedBytes: number): number {
  const kept = update.codes.length;
  const packedStreamBits = kept * (indexBitWidth(update.chunkSize) + 2);
  const widenedStreamBits = kept * (indexBitWidth(update.chunkSize) + 8);
  return packedBytes - Math.ceil(packedStreamBits / 8) + Math.ceil(widenedStreamBits / 8);
}

/** log2 C(n, k) bits to name k of n positions, plus 2 bits per value: no index code can do better on average. */
function entropyFloorRatio(chunkSize: number, k: number): number {
  let bits = 0;
  for (let i = 0; i < k; i++) bits += Math.log2(chunkSize - i) - Math.log2(i + 1);
  return (chunkSize * 32) / (bits + 2 * k);
}

const rows = settings.map(({ chunkSize, k }) => {
  const update = compress(gradient, shapes, { chunkSize, k });
  const packed = encodeUpdate(update, IndexCoding.Packed).length;
  const rice = encodeUpdate(update, IndexCoding.RiceGaps).length;
  const arithmetic = (chunkSize * 32) / (k * (indexBitWidth(chunkSize) + 2));
  const ratio = (bytes: number) => `${(denseBytes / bytes).toFixed(1)}x`;
  return [
    `chunk ${chunkSize} / k ${k}`,
    `${arithmetic.toFixed(1)}x`,
    ratio(templarStyleBytes(update, packed)),
    ratio(packed),
    ratio(rice),
    `${entropyFloorRatio(chunkSize, k).toFixed(1)}x`,
    packed,
    rice,
  ];
});

console.log(
  `SparseLoCo compression of a ${parameters}-parameter synthetic pseudo-gradient vs ${denseBytes} dense fp32 bytes`,
);
console.log('(ratios count every byte: header, per-chunk scales, bit stream, CRC-32)\n');
printTable(
  [
    'setting',
    'arithmetic (no scales)',
    'Templar-style (1 B/value)',
    'ours packed',
    'ours Rice gaps',
    'entropy floor',
    'packed bytes',
    'Rice bytes',
  ],
  rows,
);
