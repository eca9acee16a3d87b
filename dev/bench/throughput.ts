import { GPU } from 'gpu.js';
import {
  compress,
  compressWithErrorFeedback,
  decodeUpdate,
  decompressInto,
  encodeUpdate,
  IndexCoding,
} from '../../kernels';
import { printTable, syntheticPseudoGradient, totalSize, transformerShapes } from './synthetic';

/**
 * Compress + decompress throughput on a ≥100M-parameter pseudo-gradient (chunk 4096, k 64), projected linearly to
 * 0.5B parameters (each step timed on its second run: steady state), and the one elementwise step where a gpu.js kernel could help (error-feedback decay-add),
 * gpu.js (CPU mode in Node: headless-gl is not built) against the plain typed-array loop, in the same run.
 */
const parameters = Number(process.env.BENCH_PARAMETERS ?? 100_000_000);
const shapes = transformerShapes(parameters);
const size = totalSize(shapes);
const options = { chunkSize: 4096, k: 64 };
const delta = syntheticPseudoGradient(size, 2);
const residual = new Float32Array(size);

function time<T>(run: () => T): [T, number] {
  const started = performance.now();
  const result = run();
  return [result, (performance.now() - started) / 1000];
}

/** Runs twice and times the second: steady state, with every buffer already paged in and the JIT warm. */
function timeWarm<T>(run: () => T): [T, number] {
  run();
  return time(run);
}

const [update, compressSeconds] = timeWarm(() => compress(delta, shapes, options));
const [, feedbackSeconds] = timeWarm(() => compressWithErrorFeedback(residual, delta, 0.95, shapes, options));
const [packed, encodeSeconds] = timeWarm(() => encodeUpdate(update, IndexCoding.Packed));
const [rice, riceEncodeSeconds] = timeWarm(() => encodeUpdate(update, IndexCoding.RiceGaps));
const [decoded, decodeSeconds] = timeWarm(() => decodeUpdate(rice));
const [, packedDecodeSeconds] = timeWarm(() => decodeUpdate(packed));
const dense = new Float32Array(size);
const [, decompressSeconds] = timeWarm(() => decompressInto(decoded, dense));

const projection = 500_000_000 / size;
const row = (name: string, seconds: number) => [
  name,
  seconds.toFixed(3),
  (size / seconds / 1e6).toFixed(1),
  (seconds * projection).toFixed(2),
];
console.log(`${size} parameters in ${shapes.length} tensors, chunk 4096 / k 64, one thread\n`);
printTable(
  ['step', 'seconds', 'M params/s', 'projected s @ 0.5B'],
  [
    row('compress (top-k + 2-bit quantize)', compressSeconds),
    row('error feedback + compress', feedbackSeconds),
    row('encode, packed indices', encodeSeconds),
    row('encode, Rice gaps', riceEncodeSeconds),
    row('decode, packed indices', packedDecodeSeconds),
    row('decode, Rice gaps', decodeSeconds),
    row('decompress to dense', decompressSeconds),
    row('peer total (feedback+compress+Rice encode)', feedbackSeconds + riceEncodeSeconds),
    row('coordinator total (Rice decode+decompress)', decodeSeconds + decompressSeconds),
  ],
);

const gpuLength = 1 << 24;
const gpuResidual = syntheticPseudoGradient(gpuLength, 3);
const gpuDelta = syntheticPseudoGradient(gpuLength, 4);
const gpu = new GPU({ mode: 'cpu' });
const decayAdd = gpu
  .createKernel(function (r: number[], d: number[], decay: number) {
    return decay * r[this.thread.x]! + d[this.thread.x]!;
  })
  .setOutput([gpuLength]);
decayAdd(gpuResidual, gpuDelta, 0.95);
const [gpuResult, gpuSeconds] = time(() => decayAdd(gpuResidual, gpuDelta, 0.95) as Float32Array);
const [loopResult, loopSeconds] = time(() => {
  const out = new Float32Array(gpuLength);
  for (let i = 0; i < gpuLength; i++) out[i] = 0.95 * gpuResidual[i]! + gpuDelta[i]!;
  return out;
});
let identical = gpuResult.length === loopResult.length;
for (let i = 0; identical && i < gpuLength; i++) identical = gpuResult[i] === loopResult[i];
console.log(`\nerror-feedback decay-add on ${gpuLength} entries (gpu.js mode: ${gpu.mode})\n`);
printTable(
  ['implementation', 'seconds', 'M entries/s', 'same bits as loop'],
  [
    ['gpu.js kernel', gpuSeconds.toFixed(3), (gpuLength / gpuSeconds / 1e6).toFixed(1), String(identical)],
    ['typed-array loop', loopSeconds.toFixed(3), (gpuLength / loopSeconds / 1e6).toFixed(1), 'reference'],
  ],
);
gpu.destroy();
