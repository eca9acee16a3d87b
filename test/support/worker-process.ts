import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { CrashPlan } from './crash/plan';
import { crashPlanEnv } from './crash/plan';

const cli = path.resolve(__dirname, '..', '..', 'bin', 'l402-train.js');
const crashWorker = path.resolve(__dirname, 'crash', 'worker-main.ts');

/** `coordinator` is the whole coordinator in one process: its API, a control and a validation worker. */
export type WorkerKind = 'control' | 'validation' | 'coordinator';

export interface WorkerProcess {
  kind: WorkerKind;
  child: ChildProcess;
  output: string[];
  /** Resolves once the process is gone, however it ended. */
  exited: Promise<void>;
  alive(): boolean;
  kill(signal: NodeJS.Signals): Promise<void>;
}

const READY: Record<WorkerKind, [string, string[]]> = {
  control: ['control worker polling', ['coordinator', 'worker']],
  validation: ['validation worker polling', ['validator']],
  coordinator: ['control worker polling', ['coordinator', 'run']],
};

export interface WorkerProcessOptions {
  /** Runs the test-only worker entry point with this crash interceptor instead of the production CLI. */
  crash?: CrashPlan;
}

/**
 * A worker as a real OS process (`coordinator worker` or `validator`, or the same worker with a crash
 * interceptor), resolved once it polls Temporal.
 */
export async function startWorkerProcess(
  env: NodeJS.ProcessEnv,
  kind: WorkerKind = 'control',
  options: WorkerProcessOptions = {},
): Promise<WorkerProcess> {
  const [readyLine, args] = READY[kind];
  const argv = options.crash ? ['--require', 'tsx/cjs', crashWorker, kind] : [cli, ...args];
  const child = spawn(process.execPath, argv, {
    env: { ...process.env, ...env, ...(options.crash ? crashPlanEnv(options.crash) : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join('').includes(readyLine)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then(() =>
      reject(new Error(`worker exited with ${child.exitCode} before polling:\n${output.join('')}`)),
    );
  });
  return {
    kind,
    child,
    output,
    exited,
    alive,
    kill: async (signal) => {
      if (!alive()) return;
      child.kill(signal);
      await exited;
    },
  };
}
