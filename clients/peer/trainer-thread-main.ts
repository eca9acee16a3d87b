import { parentPort, workerData } from 'node:worker_threads';
import type { ReferenceTrainerOptions } from './reference-trainer';
import { referenceTrainer } from './reference-trainer';

const options = workerData as Omit<ReferenceTrainerOptions, 'onStep'> & { reportSteps: boolean };
const port = parentPort!;
const train = referenceTrainer({
  ...options,
  ...(options.reportSteps ? { onStep: (step, loss) => port.postMessage({ kind: 'step', step, loss }) } : {}),
});

port.on('message', ({ weights, round }: { weights: Float32Array; round: number }) => {
  try {
    const payload = train(weights, round);
    port.postMessage({ kind: 'payload', payload }, [payload.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
});
