import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { StackConfig } from './config';
import { stackPorts } from './config';
import { runningPid, startProcess, waitFor } from './processes';
import type { ToolPaths } from './tools';
import { SEARCH_ATTRIBUTES } from '../temporal-config/search-attributes';

export const TEMPORAL_PROCESS = 'temporal';

export function temporalAddress(config: StackConfig): string {
  return `${config.host}:${stackPorts(config).temporalGrpc}`;
}

export async function startTemporal(config: StackConfig, tools: ToolPaths): Promise<void> {
  if (!runningPid(config.dataDir, TEMPORAL_PROCESS)) {
    const dir = path.join(config.dataDir, 'temporal');
    mkdirSync(dir, { recursive: true });
    const ports = stackPorts(config);
    startProcess(config.dataDir, {
      name: TEMPORAL_PROCESS,
      binary: tools.temporal,
      args: [
        'server',
        'start-dev',
        '--db-filename',
        path.join(dir, 'temporal.sqlite'),
        '--ip',
        config.host,
        '--port',
        String(ports.temporalGrpc),
        '--ui-port',
        String(ports.temporalUi),
        '--http-port',
        String(ports.temporalHttp),
        '--metrics-port',
        String(ports.temporalMetrics),
        '--log-level',
        'warn',
        ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => [
          '--search-attribute',
          `${name}=${type}`,
        ]),
      ],
    });
  }
  await waitForTemporal(config);
}

export async function pingTemporal(config: StackConfig): Promise<true> {
  const connection = await Connection.connect({ address: temporalAddress(config), connectTimeout: 5_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

export async function waitForTemporal(config: StackConfig): Promise<void> {
  await waitFor('Temporal frontend', () => pingTemporal(config), {
    timeoutMs: 60_000,
    intervalMs: 300,
    dataDir: config.dataDir,
    logName: TEMPORAL_PROCESS,
  });
}
