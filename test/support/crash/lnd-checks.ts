import { getChannels, getInvoices } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';

/** Held invoices (ACCEPTED in LND's words) and HTLCs still pending on any channel of `lnd`. */
export async function unresolved(
  lnd: AuthenticatedLnd,
): Promise<{ heldInvoices: string[]; pendingHtlcs: number }> {
  const [{ invoices }, { channels }] = await Promise.all([
    getInvoices({ lnd, limit: 1_000 }),
    getChannels({ lnd }),
  ]);
  return {
    heldInvoices: invoices.filter((invoice) => invoice.is_held).map((invoice) => invoice.id),
    pendingHtlcs: channels.reduce((total, channel) => total + channel.pending_payments.length, 0),
  };
}

/** Polls `probe` (errors count as "not yet": the worker it asks may be dead) until it returns a value. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
