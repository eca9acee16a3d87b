import path from 'node:path';
import type { StackConfig } from './config';
import { stackPorts } from './config';
import { runningPid, startProcess, waitFor } from './processes';

export const COORDINATOR_PROCESS = 'coordinator';
const cli = path.resolve(__dirname, '..', '..', 'bin', 'l402-train.js');

export function coordinatorUrl(config: StackConfig): string {
  return `http://${config.host}:${stackPorts(config).api}`;
}

export async function pingCoordinator(config: StackConfig): Promise<string> {
  const response = await fetch(`${coordinatorUrl(config)}/status.json`, {
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`status.json answered ${response.status}`);
  const status = (await response.json()) as { node: { blockHeight: number } };
  return `api ${coordinatorUrl(config)}, node at height ${status.node.blockHeight}`;
}

/** Runs `l402-train coordinator run` as a managed background process of this stack's data dir. */
export async function startCoordinator(config: StackConfig): Promise<void> {
  if (!runningPid(config.dataDir, COORDINATOR_PROCESS)) {
    startProcess(config.dataDir, {
      name: COORDINATOR_PROCESS,
      binary: process.execPath,
      args: [cli, 'coordinator', 'run'],
      env: {
        L402_DATA_DIR: config.dataDir,
        L402_BASE_PORT: String(config.basePort),
        L402_NODES: config.nodes.join(','),
      },
    });
  }
  await waitFor('coordinator API', () => pingCoordinator(config), {
    timeoutMs: 90_000,
    intervalMs: 500,
    dataDir: config.dataDir,
    logName: COORDINATOR_PROCESS,
  });
}
