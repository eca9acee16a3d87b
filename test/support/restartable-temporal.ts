import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { stackPorts } from '../../dev/stack/config';
import { waitFor } from '../../dev/stack/processes';
import { devServerArgs, pingTemporalAt } from '../../dev/stack/temporal';
import { ensureTools } from '../../dev/stack/tools';
import { testStackConfig } from './stack-config';

export interface RestartableTemporal {
  address: string;
  /** Stops the server (SIGTERM), waits `downMs`, and starts it again on the same port and database file. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Temporal dev server that keeps its state in a file under `dir` (as the stack's own server does), so a
 * restart keeps every history. It listens on a port of the test stack's range the stack itself leaves free.
 */
export async function startRestartableTemporal(dir: string): Promise<RestartableTemporal> {
  const { temporal } = await ensureTools();
  const config = testStackConfig();
  const port = stackPorts(config).api + 1;
  const address = `${config.host}:${port}`;
  const args = devServerArgs(path.join(dir, 'temporal.sqlite'), config.host, port, ['--headless']);
  let child: ChildProcess;
  const start = async () => {
    child = spawn(temporal, args, { stdio: 'ignore' });
    await waitFor(`Temporal on ${address}`, () => pingTemporalAt(address, 2_000), {
      timeoutMs: 60_000,
      intervalMs: 300,
    });
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    address,
    restart: async (downMs) => {
      await stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    stop,
  };
}
