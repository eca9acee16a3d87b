import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import path from 'node:path';

const cli = path.resolve(__dirname, '..', '..', 'bin', 'l402-train.js');

export interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  kill(signal: NodeJS.Signals): Promise<void>;
}

const READY = {
  control: ['control worker polling', ['coordinator', 'worker']],
  validation: ['validation worker polling', ['validator']],
} as const;

/** A worker as a real OS process (`coordinator worker` or `validator`), resolved once it polls Temporal. */
export async function startWorkerProcess(
  env: NodeJS.ProcessEnv,
  kind: keyof typeof READY = 'control',
): Promise<WorkerProcess> {
  const [readyLine, args] = READY[kind];
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join('').includes(readyLine)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) =>
      reject(new Error(`worker exited with ${code} before polling:\n${output.join('')}`)),
    );
  });
  return {
    child,
    output,
    kill: (signal) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
