import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { authenticatedLndGrpc, getWalletInfo } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { btcdRpcCredentials } from './btcd';
import type { StackConfig } from './config';
import { stackPorts } from './config';
import { runningPid, startProcess, waitFor } from './processes';
import type { ToolPaths } from './tools';

/** What `authenticatedLndGrpc` needs, plus where the node listens for peers. */
export interface LndCredentials {
  name: string;
  socket: string;
  p2pSocket: string;
  cert: string;
  macaroon: string;
}

export const lndProcessName = (node: string) => `lnd-${node}`;

export function lndDir(config: StackConfig, node: string): string {
  return path.join(config.dataDir, 'lnd', node);
}

export function credentialsPath(config: StackConfig, node: string): string {
  return path.join(lndDir(config, node), 'credentials.json');
}

function adminMacaroonPath(config: StackConfig, node: string): string {
  return path.join(lndDir(config, node), 'data', 'chain', 'bitcoin', 'regtest', 'admin.macaroon');
}

function nodePorts(config: StackConfig, node: string) {
  return stackPorts(config).lnd(config.nodes.indexOf(node));
}

export function startLnd(config: StackConfig, tools: ToolPaths, node: string): void {
  if (runningPid(config.dataDir, lndProcessName(node))) return;
  const dir = lndDir(config, node);
  mkdirSync(dir, { recursive: true });
  const ports = nodePorts(config, node);
  const btcd = btcdRpcCredentials(config);
  startProcess(config.dataDir, {
    name: lndProcessName(node),
    binary: tools.lnd,
    args: [
      `--lnddir=${dir}`,
      `--alias=${node}`,
      '--noseedbackup',
      '--bitcoin.regtest',
      '--bitcoin.node=btcd',
      `--btcd.rpchost=${btcd.host}`,
      `--btcd.rpcuser=${btcd.user}`,
      `--btcd.rpcpass=${btcd.pass}`,
      `--btcd.rpccert=${btcd.cert}`,
      `--rpclisten=${config.host}:${ports.grpc}`,
      `--restlisten=${config.host}:${ports.rest}`,
      `--listen=${config.host}:${ports.p2p}`,
      '--tlsextraip=127.0.0.1',
      '--bitcoin.defaultchanconfs=1',
      '--maxpendingchannels=16',
      '--trickledelay=50',
      '--protocol.wumbo-channels',
      '--accept-keysend',
      '--debuglevel=info',
    ],
  });
}

/** Waits for the node's RPC and wallet, then writes credentials.json for `authenticatedLndGrpc`. */
export async function waitForLnd(config: StackConfig, node: string): Promise<LndCredentials> {
  const dir = lndDir(config, node);
  const ports = nodePorts(config, node);
  const credentials = await waitFor(
    `lnd ${node} macaroon`,
    async () => {
      if (!existsSync(adminMacaroonPath(config, node)) || !existsSync(path.join(dir, 'tls.cert')))
        return null;
      return {
        name: node,
        socket: `${config.host}:${ports.grpc}`,
        p2pSocket: `${config.host}:${ports.p2p}`,
        cert: readFileSync(path.join(dir, 'tls.cert')).toString('base64'),
        macaroon: readFileSync(adminMacaroonPath(config, node)).toString('base64'),
      };
    },
    { timeoutMs: 60_000, dataDir: config.dataDir, logName: lndProcessName(node) },
  );
  const lnd = connectLnd(credentials);
  await waitFor(`lnd ${node} RPC`, async () => (await getWalletInfo({ lnd })).public_key, {
    timeoutMs: 60_000,
    dataDir: config.dataDir,
    logName: lndProcessName(node),
  });
  writeFileSync(credentialsPath(config, node), JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}

export function connectLnd(
  credentials: Pick<LndCredentials, 'socket' | 'cert' | 'macaroon'>,
): AuthenticatedLnd {
  return authenticatedLndGrpc({
    socket: credentials.socket,
    cert: credentials.cert,
    macaroon: credentials.macaroon,
  }).lnd;
}

export function readCredentials(config: StackConfig, node: string): LndCredentials {
  return JSON.parse(readFileSync(credentialsPath(config, node), 'utf8')) as LndCredentials;
}
