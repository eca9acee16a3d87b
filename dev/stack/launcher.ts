import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createChainAddress, getWalletInfo } from 'ln-service';
import { BTCD_PROCESS, btcdRpc, readMiningAddress, restartBtcd, startBtcd, writeMiningAddress } from './btcd';
import type { StackConfig } from './config';
import { stackPorts } from './config';
import { StackError } from './errors';
import { connectLnd, credentialsPath, lndProcessName, readCredentials, startLnd, waitForLnd } from './lnd';
import type { LndCredentials } from './lnd';
import { ensureNetwork } from './network';
import type { NetworkNode } from './network';
import { logPath, runningPid, stopProcess } from './processes';
import { TEMPORAL_PROCESS, pingTemporal, startTemporal, temporalAddress } from './temporal';
import { ensureTools } from './tools';

type Log = (line: string) => void;

export interface StackManifest {
  dataDir: string;
  temporal: { address: string; namespace: string; uiUrl: string };
  btcd: { rpc: string };
  nodes: Record<string, { socket: string; p2pSocket: string; publicKey: string; credentialsFile: string }>;
}

export function manifestPath(config: StackConfig): string {
  return path.join(config.dataDir, 'stack.json');
}

export function readManifest(config: StackConfig): StackManifest {
  if (!existsSync(manifestPath(config))) {
    throw new StackError(
      'STACK_NOT_RUNNING',
      `no stack manifest at ${manifestPath(config)}`,
      'run `l402-train dev start` first',
    );
  }
  return JSON.parse(readFileSync(manifestPath(config), 'utf8')) as StackManifest;
}

/** Service processes in start order; stopped in reverse. */
export function serviceProcesses(config: StackConfig): string[] {
  return [TEMPORAL_PROCESS, BTCD_PROCESS, ...config.nodes.map(lndProcessName)];
}

async function toNetworkNode(credentials: LndCredentials): Promise<NetworkNode> {
  const lnd = connectLnd(credentials);
  const { public_key } = await getWalletInfo({ lnd });
  return { name: credentials.name, lnd, publicKey: public_key, p2pSocket: credentials.p2pSocket };
}

/**
 * Starts (or reuses) Temporal, btcd and the LND nodes, funds them and opens channels, then writes stack.json.
 * Safe to run again at any point: healthy processes are reused and each setup step checks state first.
 */
export async function stackUp(config: StackConfig, log: Log = () => {}): Promise<StackManifest> {
  const tools = await ensureTools(log);
  if (!runningPid(config.dataDir, BTCD_PROCESS) && existsSync(config.dataDir)) {
    log(`btcd is not running, so its regtest chain is gone: starting a fresh stack in ${config.dataDir}`);
    await resetStack(config);
  }
  const [coordinatorName] = config.nodes as [string, ...string[]];

  const temporal = startTemporal(config, tools);
  await startBtcd(config, tools);
  for (const node of config.nodes) startLnd(config, tools, node);
  const credentials = await Promise.all(config.nodes.map((node) => waitForLnd(config, node)));

  if (!readMiningAddress(config)) {
    const coordinator = connectLnd(credentials[0] as LndCredentials);
    const { address } = await createChainAddress({ lnd: coordinator, format: 'p2wpkh' });
    writeMiningAddress(config, address);
    log(`btcd now mines to the ${coordinatorName} wallet (${address})`);
    await restartBtcd(config, tools);
  }

  const nodes = await Promise.all(credentials.map(toNetworkNode));
  await ensureNetwork(config, nodes, log);
  await temporal;

  const ports = stackPorts(config);
  const manifest: StackManifest = {
    dataDir: config.dataDir,
    temporal: {
      address: temporalAddress(config),
      namespace: config.namespace,
      uiUrl: `http://${config.host}:${ports.temporalUi}`,
    },
    btcd: { rpc: `${config.host}:${ports.btcdRpc}` },
    nodes: Object.fromEntries(
      nodes.map((node) => [
        node.name,
        {
          socket: (credentials.find((c) => c.name === node.name) as LndCredentials).socket,
          p2pSocket: node.p2pSocket,
          publicKey: node.publicKey,
          credentialsFile: credentialsPath(config, node.name),
        },
      ]),
    ),
  };
  writeFileSync(manifestPath(config), JSON.stringify(manifest, null, 2));
  return manifest;
}

export interface ProcessHealth {
  name: string;
  pid: number | null;
  healthy: boolean;
  detail: string;
  log: string;
}

async function probe(check: () => Promise<string>): Promise<{ healthy: boolean; detail: string }> {
  try {
    return { healthy: true, detail: await check() };
  } catch (err) {
    return { healthy: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

export async function stackStatus(config: StackConfig): Promise<ProcessHealth[]> {
  const checks: Record<string, () => Promise<string>> = {
    [TEMPORAL_PROCESS]: async () => {
      await pingTemporal(config);
      return `frontend ${temporalAddress(config)}`;
    },
    [BTCD_PROCESS]: async () => `regtest height ${await btcdRpc<number>(config, 'getblockcount')}`,
  };
  for (const node of config.nodes) {
    checks[lndProcessName(node)] = async () => {
      const info = await getWalletInfo({ lnd: connectLnd(readCredentials(config, node)) });
      if (!info.is_synced_to_chain) throw new Error('not synced to chain');
      return `${info.active_channels_count} active channels, height ${info.current_block_height}`;
    };
  }
  return Promise.all(
    serviceProcesses(config).map(async (name) => {
      const pid = runningPid(config.dataDir, name);
      const result = pid
        ? await probe(checks[name] as () => Promise<string>)
        : { healthy: false, detail: 'not running' };
      return { name, pid, ...result, log: logPath(config.dataDir, name) };
    }),
  );
}

/**
 * btcd deletes its regtest database at every start, so LND wallets, channels and everything recorded against
 * them (Temporal histories, the ledger) cannot outlive a btcd restart: stop what is left and wipe the data dir.
 */
async function resetStack(config: StackConfig): Promise<void> {
  await stackDown(config);
  for (const entry of readdirSync(config.dataDir)) {
    if (entry !== 'logs') rmSync(path.join(config.dataDir, entry), { recursive: true, force: true });
  }
}

export async function stackDown(config: StackConfig, extraProcesses: string[] = []): Promise<string[]> {
  const stopped: string[] = [];
  for (const name of [...extraProcesses, ...serviceProcesses(config).reverse()]) {
    if (await stopProcess(config.dataDir, name)) stopped.push(name);
  }
  return stopped;
}
