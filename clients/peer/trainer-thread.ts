import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ReferenceTrainerOptions } from './reference-trainer';

export type ThreadedTrainerOptions = Omit<ReferenceTrainerOptions, 'onStep'> & {
  onStep?: (step: number, loss: number) => void;
};

export interface ThreadedTrainer {
  /** One round of the reference trainer, computed on the trainer's own thread. */
  train(weights: Float32Array, round: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

type FromThread =
  | { kind: 'step'; step: number; loss: number }
  | { kind: 'payload'; payload: Uint8Array }
  | { kind: 'failed'; message: string };

const entry = path.join(__dirname, 'trainer-thread-main.ts');

/**
 * The reference trainer on a worker thread: training is seconds of synchronous arithmetic, and on the caller's
 * event loop it would stall every socket the process serves (a coordinator API in the same process, the
 * client's own keep-alive connections). The thread keeps the peer's error-feedback state across rounds.
 */
export function threadedReferenceTrainer(options: ThreadedTrainerOptions): ThreadedTrainer {
  const { onStep, ...trainerOptions } = options;
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)});`, {
    eval: true,
    workerData: { ...trainerOptions, reportSteps: onStep !== undefined },
  });
  let pending: { resolve(payload: Uint8Array): void; reject(error: Error): void } | null = null;
  const fail = (error: Error) => {
    pending?.reject(error);
    pending = null;
  };
  worker.on('message', (message: FromThread) => {
    if (message.kind === 'step') onStep?.(message.step, message.loss);
    else if (message.kind === 'payload') pending?.resolve(message.payload);
    else fail(new Error(`the trainer thread failed: ${message.message}`));
    if (message.kind !== 'step') pending = null;
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the trainer thread exited (${code})`)));
  return {
    train: (weights, round) => {
      if (pending) return Promise.reject(new Error('the trainer is already training a round'));
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        worker.postMessage({ weights, round });
      });
    },
    close: async () => {
      await worker.terminate();
    },
  };
}
