import { condition, log, setHandler } from '@temporalio/workflow';
import { MIN_SAFETY_MARGIN_BLOCKS } from '../domain/money/cltv';
import { resolveStakeSignal } from './definitions';
import { beforeHeight, openHoldInvoice } from './hold-invoice';

export interface StakeInput {
  sats: number;
  memo: string;
  payWithinSeconds: number;
  /** Longest wait for the verdict once the stake is held; the CLTV deadline may end it sooner. */
  decideWithinSeconds: number;
  /** Blocks kept between our cancel and the HTLC's expiry: at least 24 (LND auto-cancels at 12). */
  safetyMarginBlocks?: number;
  cltvDelta?: number;
}

export type StakeOutcome = 'refunded' | 'forfeited' | 'expired' | 'unpaid';

export interface StakeResult {
  paymentHash: string;
  outcome: StakeOutcome;
  finalState: 'SETTLED' | 'CANCELED';
}

/**
 * A submission stake: a hold invoice on the coordinator's node, held until the owner signals the verdict.
 * Refund cancels it, forfeit settles it; with no verdict before the timer or the CLTV deadline it is refunded.
 */
export async function stake(input: StakeInput): Promise<StakeResult> {
  let verdict: 'refund' | 'forfeit' | null = null;
  setHandler(resolveStakeSignal, ({ outcome }) => {
    verdict ??= outcome;
  });
  const hold = await openHoldInvoice({
    sats: input.sats,
    memo: input.memo,
    purpose: 'STAKE',
    expiresInSeconds: input.payWithinSeconds,
    ...(input.cltvDelta === undefined ? {} : { cltvDelta: input.cltvDelta }),
  });
  const { paymentHash } = hold.invoice;
  try {
    const held = await hold.awaitHeld(input.payWithinSeconds);
    if (!held) return { paymentHash, outcome: 'unpaid', finalState: 'CANCELED' };

    const margin = Math.max(input.safetyMarginBlocks ?? MIN_SAFETY_MARGIN_BLOCKS, MIN_SAFETY_MARGIN_BLOCKS);
    const decided = await beforeHeight(held.heldUntilHeight - margin, () =>
      condition(() => verdict !== null, `${input.decideWithinSeconds} s`),
    );
    if (decided && verdict === 'forfeit') {
      await hold.settle();
      return { paymentHash, outcome: 'forfeited', finalState: 'SETTLED' };
    }
    if (!decided) log.warn('stake verdict missed its deadline; refunding', { paymentHash });
    await hold.cancel();
    return { paymentHash, outcome: decided ? 'refunded' : 'expired', finalState: 'CANCELED' };
  } catch (err) {
    await hold.cancel();
    throw err;
  }
}
