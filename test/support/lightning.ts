import { getChannelBalance } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { connectLnd, readCredentials } from '../../stack/lnd';
import { testStackConfig } from './stack-config';

export function testLnd(node: string): AuthenticatedLnd {
  return connectLnd(readCredentials(testStackConfig(), node));
}

export async function channelBalance(lnd: AuthenticatedLnd): Promise<number> {
  return (await getChannelBalance({ lnd })).channel_balance;
}

/** Polls until `read` returns something other than `from` (LND updates balances just after resolution). */
export async function waitForChange<T>(read: () => Promise<T>, from: T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== from || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
