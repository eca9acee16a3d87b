import {
  addPeer,
  createChainAddress,
  getChainBalance,
  getChannels,
  getPeers,
  getPendingChannels,
  getWalletInfo,
  openChannel,
  sendToChainAddresses,
} from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { btcdRpc, mineBlocks } from './btcd';
import type { StackConfig } from './config';
import { waitFor } from './processes';

export interface NetworkNode {
  name: string;
  lnd: AuthenticatedLnd;
  publicKey: string;
  p2pSocket: string;
}

type Log = (line: string) => void;

/**
 * btcd's regtest activates segwit by BIP9 signalling: started at 144, locked in at 288, active at 432. Below
 * that LND's funding transactions are rejected; above it the early coinbases are long mature.
 */
const MATURE_HEIGHT = 450;
const FUNDING_FEE_BUFFER_SATS = 100_000;

/** Longest wait for every node to report itself synced; a loaded CI machine has needed more than a minute. */
const CHAIN_SYNC_TIMEOUT_MS = 180_000;
/** A node caught up in height yet not "synced" this long is sent one more block: LND re-checks on a new block. */
const CHAIN_SYNC_NUDGE_MS = 30_000;

export async function waitForChainSync(config: StackConfig, nodes: NetworkNode[]): Promise<number> {
  const height = await btcdRpc<number>(config, 'getblockcount');
  let nudgedAt = Date.now();
  await Promise.all(
    nodes.map((node) =>
      waitFor(
        `lnd ${node.name} synced to height ${height}`,
        async () => {
          const info = await getWalletInfo({ lnd: node.lnd });
          if (info.is_synced_to_chain && info.current_block_height >= height) return true;
          if (info.current_block_height >= height && Date.now() - nudgedAt > CHAIN_SYNC_NUDGE_MS) {
            nudgedAt = Date.now();
            await mineBlocks(config, 1);
          }
          return false;
        },
        { timeoutMs: CHAIN_SYNC_TIMEOUT_MS, intervalMs: 200 },
      ),
    ),
  );
  return height;
}

async function mineAndSync(config: StackConfig, nodes: NetworkNode[], blocks: number): Promise<void> {
  await mineBlocks(config, blocks);
  await waitForChainSync(config, nodes);
}

async function hasOwnChannelTo(from: NetworkNode, to: NetworkNode): Promise<boolean> {
  const [{ channels }, { pending_channels }] = await Promise.all([
    getChannels({ lnd: from.lnd, partner_public_key: to.publicKey }),
    getPendingChannels({ lnd: from.lnd }),
  ]);
  return (
    channels.some((channel) => !channel.is_partner_initiated) ||
    pending_channels.some(
      (channel) => channel.partner_public_key === to.publicKey && !channel.is_partner_initiated,
    )
  );
}

async function ensureConnected(from: NetworkNode, to: NetworkNode): Promise<void> {
  const { peers } = await getPeers({ lnd: from.lnd });
  if (peers.some((peer) => peer.public_key === to.publicKey)) return;
  await addPeer({ lnd: from.lnd, public_key: to.publicKey, socket: to.p2pSocket, timeout: 10_000 });
}

/**
 * Brings the regtest network to its target shape: the coordinator holds mature coins, and every other node
 * has a channel of `channelSats` opened by itself to the coordinator and one opened by the coordinator to it,
 * so both sides can pay and be paid. Each step checks the actual state first, so reruns are cheap no-ops.
 */
export async function ensureNetwork(config: StackConfig, nodes: NetworkNode[], log: Log): Promise<void> {
  const [coordinator, ...others] = nodes;
  if (!coordinator) return;
  const height = await btcdRpc<number>(config, 'getblockcount');
  if (height < MATURE_HEIGHT) {
    log(`mining ${MATURE_HEIGHT - height} blocks to the coordinator`);
    await mineAndSync(config, nodes, MATURE_HEIGHT - height);
  } else {
    await waitForChainSync(config, nodes);
  }

  const openers: NetworkNode[] = [];
  for (const node of others) {
    await ensureConnected(node, coordinator);
    if (!(await hasOwnChannelTo(node, coordinator))) openers.push(node);
  }
  const toFund: NetworkNode[] = [];
  for (const node of openers) {
    const { chain_balance } = await getChainBalance({ lnd: node.lnd });
    if (chain_balance < config.channelSats + FUNDING_FEE_BUFFER_SATS) toFund.push(node);
  }
  if (toFund.length > 0) {
    log(`funding ${toFund.map((node) => node.name).join(', ')} on chain`);
    const sendTo = await Promise.all(
      toFund.map(async (node) => ({
        address: (await createChainAddress({ lnd: node.lnd, format: 'p2wpkh' })).address,
        tokens: config.channelSats * 2,
      })),
    );
    await sendToChainAddresses({ lnd: coordinator.lnd, send_to: sendTo });
    await mineAndSync(config, nodes, 1);
    for (const node of toFund) {
      await waitFor(
        `${node.name} funds`,
        async () => (await getChainBalance({ lnd: node.lnd })).chain_balance > config.channelSats,
        {
          timeoutMs: 30_000,
        },
      );
    }
  }

  let opened = 0;
  for (const node of others) {
    if (!(await hasOwnChannelTo(coordinator, node))) {
      await openChannel({
        lnd: coordinator.lnd,
        partner_public_key: node.publicKey,
        local_tokens: config.channelSats,
      });
      opened += 1;
    }
  }
  for (const node of openers) {
    await openChannel({
      lnd: node.lnd,
      partner_public_key: coordinator.publicKey,
      local_tokens: config.channelSats,
    });
    opened += 1;
  }
  if (opened > 0) {
    log(`opened ${opened} channels; confirming`);
    await mineAndSync(config, nodes, 3);
  }
  await waitForActiveChannels(nodes);
}

async function waitForActiveChannels(nodes: NetworkNode[]): Promise<void> {
  const [coordinator, ...others] = nodes;
  if (!coordinator) return;
  const wanted = others.length * 2;
  await waitFor(
    `${wanted} active coordinator channels`,
    async () => (await getChannels({ lnd: coordinator.lnd, is_active: true })).channels.length >= wanted,
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  for (const node of others) {
    await waitFor(
      `${node.name}'s 2 active channels`,
      async () => (await getChannels({ lnd: node.lnd, is_active: true })).channels.length >= 2,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }
}
