import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import type { StackConfig } from './config';
import { stackPorts } from './config';
import { StackError } from './errors';
import { runningPid, startProcess, stopProcess, waitFor } from './processes';
import type { ToolPaths } from './tools';

export const BTCD_PROCESS = 'btcd';
const RPC_USER = 'l402';
const RPC_PASS = 'l402-regtest';

export function btcdDir(config: StackConfig): string {
  return path.join(config.dataDir, 'btcd');
}

export function btcdRpcCertPath(config: StackConfig): string {
  return path.join(btcdDir(config), 'rpc.cert');
}

export function btcdRpcCredentials(config: StackConfig) {
  return {
    host: `${config.host}:${stackPorts(config).btcdRpc}`,
    user: RPC_USER,
    pass: RPC_PASS,
    cert: btcdRpcCertPath(config),
  };
}

/** btcd has no generatetoaddress: blocks go to --miningaddr, kept in a file so restarts keep mining to it. */
function miningAddressPath(config: StackConfig): string {
  return path.join(btcdDir(config), 'mining-address');
}

export function readMiningAddress(config: StackConfig): string | null {
  const file = miningAddressPath(config);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

export function writeMiningAddress(config: StackConfig, address: string): void {
  writeFileSync(miningAddressPath(config), address);
}

export async function startBtcd(config: StackConfig, tools: ToolPaths): Promise<void> {
  if (runningPid(config.dataDir, BTCD_PROCESS)) return;
  const dir = btcdDir(config);
  mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'btcd.conf');
  if (!existsSync(configFile)) writeFileSync(configFile, '');
  const ports = stackPorts(config);
  const miningAddress = readMiningAddress(config);
  startProcess(config.dataDir, {
    name: BTCD_PROCESS,
    binary: tools.btcd,
    args: [
      '--regtest',
      `--configfile=${configFile}`,
      `--datadir=${path.join(dir, 'data')}`,
      `--logdir=${path.join(dir, 'logs')}`,
      `--rpccert=${btcdRpcCertPath(config)}`,
      `--rpckey=${path.join(dir, 'rpc.key')}`,
      `--rpclisten=${config.host}:${ports.btcdRpc}`,
      `--listen=${config.host}:${ports.btcdP2p}`,
      `--rpcuser=${RPC_USER}`,
      `--rpcpass=${RPC_PASS}`,
      '--txindex',
      '--nodnsseed',
      '--debuglevel=info',
      ...(miningAddress ? [`--miningaddr=${miningAddress}`] : []),
    ],
  });
  await waitFor('btcd RPC', async () => (await btcdRpc<number>(config, 'getblockcount')) >= 0, {
    timeoutMs: 30_000,
    dataDir: config.dataDir,
    logName: BTCD_PROCESS,
  });
}

export async function restartBtcd(config: StackConfig, tools: ToolPaths): Promise<void> {
  await stopProcess(config.dataDir, BTCD_PROCESS);
  await startBtcd(config, tools);
}

interface RpcResponse<T> {
  result: T;
  error: { code: number; message: string } | null;
}

/** JSON-RPC over TLS to btcd, trusting only its own generated certificate. */
export function btcdRpc<T>(config: StackConfig, method: string, params: unknown[] = []): Promise<T> {
  const body = JSON.stringify({ jsonrpc: '1.0', id: method, method, params });
  const ca = readFileSync(btcdRpcCertPath(config));
  return new Promise<T>((resolve, reject) => {
    const req = request(
      {
        host: config.host,
        port: stackPorts(config).btcdRpc,
        method: 'POST',
        ca,
        servername: 'localhost',
        auth: `${RPC_USER}:${RPC_PASS}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString()) as RpcResponse<T>;
            if (parsed.error)
              reject(new StackError('BTCD_RPC_FAILED', `btcd ${method}: ${parsed.error.message}`));
            else resolve(parsed.result);
          } catch {
            reject(new StackError('BTCD_RPC_FAILED', `btcd ${method}: HTTP ${res.statusCode}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new StackError('BTCD_RPC_FAILED', `btcd ${method}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Mines blocks to the coordinator's mining address and returns the new height. */
export async function mineBlocks(config: StackConfig, count: number): Promise<number> {
  await btcdRpc<string[]>(config, 'generate', [count]);
  return btcdRpc<number>(config, 'getblockcount');
}
