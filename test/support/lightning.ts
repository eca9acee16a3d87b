import { getChannelBalance, getChannels, getPayment } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { connectLnd, lndProcessName, readCredentials, startLnd, waitForLnd } from '../../dev/stack/lnd';
import { stopProcess, waitFor } from '../../dev/stack/processes';
import { ensureTools } from '../../dev/stack/tools';
import { testStackConfig } from './stack-config';

export function testLnd(node: string): AuthenticatedLnd {
  return connectLnd(readCredentials(testStackConfig(), node));
}

export async function channelBalance(lnd: AuthenticatedLnd): Promise<number> {
  return (await getChannelBalance({ lnd })).channel_balance;
}

/** Polls until `read` returns something other than `from` (LND updates balances just after resolution). */
/**
 * What the payer's node says became of a stake it paid: 'paid' or 'returned'. The payee's node settles or cancels
 * first and the payer hears of it a moment later, so this waits while the payment is in flight; 'pending' only
 * when it still is after `timeoutMs`.
 */
export async function stakePayment(
  lnd: AuthenticatedLnd,
  hash: string | null,
  timeoutMs = 30_000,
): Promise<'paid' | 'returned' | 'pending'> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const payment = await getPayment({ lnd, id: hash ?? '' });
    if (payment.is_confirmed) return 'paid';
    if (payment.is_failed) return 'returned';
    if (Date.now() > deadline) return 'pending';
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function waitForChange<T>(read: () => Promise<T>, from: T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== from || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Stops the test stack's LND `node` (SIGTERM: it shuts down as on a host restart), keeps it down `downMs`, starts
 * it again on the same data, and resolves once its channels are active again.
 */
export async function restartLnd(node: string, downMs: number): Promise<void> {
  const config = testStackConfig();
  await stopProcess(config.dataDir, lndProcessName(node));
  await new Promise((resolve) => setTimeout(resolve, downMs));
  startLnd(config, await ensureTools(), node);
  const lnd = connectLnd(await waitForLnd(config, node));
  await waitFor(
    `lnd ${node}'s channels active again`,
    async () => {
      const { channels } = await getChannels({ lnd });
      return channels.length > 0 && channels.every((channel) => channel.is_active);
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}
