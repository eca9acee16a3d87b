import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { StackConfig } from './config';
import { stackPorts } from './config';
import { runningPid, startProcess, waitFor } from './processes';
import type { ToolPaths } from './tools';
import { SEARCH_ATTRIBUTES } from '../../temporal-config/search-attributes';

export const TEMPORAL_PROCESS = 'temporal';

export function temporalAddress(config: StackConfig): string {
  return `${config.host}:${stackPorts(config).temporalGrpc}`;
}

/**
 * The dev server keeps every workflow on its one history shard, whose task readers poll at most 20 times a second
 * by default: every hand-off (a workflow task, an activity, a timer) then waits for the next 50 ms tick, which
 * made up most of a submission's time in the workflows (dev/bench/README). A cluster spreads workflows over many
 * shards, each with its own readers; this one shard carries them all, so its readers may poll as fast as tasks come.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: string[] = [
  'history.transferProcessorMaxPollRPS=1000',
  'history.timerProcessorMaxPollRPS=1000',
  'history.visibilityProcessorMaxPollRPS=1000',
].flatMap((setting) => ['--dynamic-config-value', setting]);

/** The argv of a Temporal dev server keeping its state in `dbFile`, listening on `host:port`, with our search attributes. */
export function devServerArgs(dbFile: string, host: string, port: number, extra: string[] = []): string[] {
  return [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    host,
    '--port',
    String(port),
    ...extra,
    ...DEV_SERVER_DYNAMIC_CONFIG,
    '--log-level',
    'warn',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
}

export async function startTemporal(config: StackConfig, tools: ToolPaths): Promise<void> {
  if (!runningPid(config.dataDir, TEMPORAL_PROCESS)) {
    const dir = path.join(config.dataDir, 'temporal');
    mkdirSync(dir, { recursive: true });
    const ports = stackPorts(config);
    startProcess(config.dataDir, {
      name: TEMPORAL_PROCESS,
      binary: tools.temporal,
      args: devServerArgs(path.join(dir, 'temporal.sqlite'), config.host, ports.temporalGrpc, [
        '--ui-port',
        String(ports.temporalUi),
        '--http-port',
        String(ports.temporalHttp),
        '--metrics-port',
        String(ports.temporalMetrics),
      ]),
    });
  }
  await waitForTemporal(config);
}

/** Whether the Temporal frontend at `address` answers (throws when it does not). */
export async function pingTemporalAt(address: string, connectTimeoutMs = 5_000): Promise<true> {
  const connection = await Connection.connect({ address, connectTimeout: connectTimeoutMs });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

export function pingTemporal(config: StackConfig): Promise<true> {
  return pingTemporalAt(temporalAddress(config));
}

export async function waitForTemporal(config: StackConfig): Promise<void> {
  await waitFor('Temporal frontend', () => pingTemporal(config), {
    timeoutMs: 60_000,
    intervalMs: 300,
    dataDir: config.dataDir,
    logName: TEMPORAL_PROCESS,
  });
}
