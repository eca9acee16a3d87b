import { condition, log, setHandler } from '@temporalio/workflow';
import { MIN_SAFETY_MARGIN_BLOCKS } from '../domain/money/cltv';
import type { StakeVerdict } from './definitions';
import { resolveStakeSignal } from './definitions';
import type { HeldInvoice } from './hold-invoice';
import { beforeHeight, openHoldInvoice } from './hold-invoice';

/** What a stake asks: its sats and invoice, how long the payer has, how long it may wait for its verdict. */
export interface StakeTerms {
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
 * A stake's whole life inside the workflow that owns it: a hold invoice on the coordinator's node (answering
 * `invoiceQuery`), held until `verdictOf` gives a verdict. Forfeit settles, refund cancels; with no verdict before
 * the timer or the CLTV deadline it is refunded as expired. This is the one place a stake ends.
 */
export async function holdStake(
  terms: StakeTerms,
  verdictOf: () => StakeVerdict | null,
  onHeld: (held: HeldInvoice) => void = () => undefined,
): Promise<StakeResult> {
  const hold = await openHoldInvoice({
    sats: terms.sats,
    memo: terms.memo,
    purpose: 'STAKE',
    expiresInSeconds: terms.payWithinSeconds,
    ...(terms.cltvDelta === undefined ? {} : { cltvDelta: terms.cltvDelta }),
  });
  const { paymentHash } = hold.invoice;
  try {
    const held = await hold.awaitHeld(terms.payWithinSeconds);
    if (!held) return { paymentHash, outcome: 'unpaid', finalState: 'CANCELED' };
    onHeld(held);

    const margin = Math.max(terms.safetyMarginBlocks ?? MIN_SAFETY_MARGIN_BLOCKS, MIN_SAFETY_MARGIN_BLOCKS);
    const decided = await beforeHeight(held.heldUntilHeight - margin, () =>
      condition(() => verdictOf() !== null, `${terms.decideWithinSeconds} s`),
    );
    if (decided && verdictOf() === 'forfeit') {
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

export type StakeInput = StakeTerms;

/**
 * A stand-alone stake whose verdict comes by signal: the hold-invoice money steps of a submission's stake on
 * their own, for the settlement bench and the crash matrix (submissions hold theirs inside `paidSubmission`).
 */
export async function stake(input: StakeInput): Promise<StakeResult> {
  let verdict: StakeVerdict | null = null;
  setHandler(resolveStakeSignal, ({ outcome }) => {
    verdict ??= outcome;
  });
  return holdStake(input, () => verdict);
}
