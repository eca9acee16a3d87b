import type { EconomicsErrorCode } from './errors';
import { EconomicsError, HoldWindowTooLongError, InvalidCltvError } from './errors';

/** LND cancels a held invoice by itself this many blocks before its HTLC expires. */
export const LND_HOLD_AUTO_CANCEL_BLOCKS = 12;

/**
 * Smallest margin we keep between our cancel deadline and the HTLC expiry: LND's 12-block
 * auto-cancel plus as many again for a slow decision, a reconnect or a re-subscription.
 */
export const MIN_SAFETY_MARGIN_BLOCKS = 2 * LND_HOLD_AUTO_CANCEL_BLOCKS;

/** Routing nodes refuse timelocks longer than this, so no final CLTV delta can exceed it. */
export const MAX_CLTV_BLOCKS = 2016;

/**
 * Block interval used to turn blocks into wall time. Blocks average 600 s but come faster in
 * lucky streaks, so we assume half that: a time deadline computed with it is early, never late.
 */
export const PESSIMISTIC_SECONDS_PER_BLOCK = 300;

export interface HoldTiming {
  /** Chain height when the escrow HTLC is sent. */
  currentHeight: number;
  /** The earner invoice's final CLTV delta (`min_final_cltv_expiry`), in blocks. */
  invoiceCltvBlocks: number;
  /** Blocks kept free before the HTLC expiry; at least {@link MIN_SAFETY_MARGIN_BLOCKS}. */
  safetyMarginBlocks: number;
  /** Workflow time (ms since epoch) at `currentHeight`; the caller passes it in, this module reads no clock. */
  nowMs: number;
  /** Assumed seconds per block; defaults to {@link PESSIMISTIC_SECONDS_PER_BLOCK}. */
  secondsPerBlock?: number;
}

/** When a hold must be settled or cancelled at the latest, in blocks and in (pessimistic) time. */
export interface CancelDeadline {
  /** Earliest height the HTLC can expire at (the sender may add blocks, never remove them). */
  htlcExpiryHeight: number;
  /** Cancel (or settle) at this height at the latest. */
  cancelByHeight: number;
  /** Blocks available for holding: `invoiceCltvBlocks - safetyMarginBlocks`. */
  budgetBlocks: number;
  /** Cancel (or settle) at this workflow time at the latest. */
  cancelByMs: number;
}

/**
 * The latest block and time at which the workflow must decide (reveal or cancel) a hold.
 * The workflow should act at whichever of `cancelByHeight` and `cancelByMs` comes first.
 *
 * @example
 * cancelDeadline({ currentHeight: 800_000, invoiceCltvBlocks: 144, safetyMarginBlocks: 24, nowMs: 0 })
 * // { htlcExpiryHeight: 800_144, cancelByHeight: 800_120, budgetBlocks: 120, cancelByMs: 36_000_000 }
 * @throws InvalidCltvError for out-of-range heights, deltas, margins or block intervals
 * @throws HoldWindowTooLongError when the invoice's CLTV delta cannot even keep the margin
 */
export function cancelDeadline(timing: HoldTiming): CancelDeadline {
  const { currentHeight, invoiceCltvBlocks, safetyMarginBlocks, nowMs } = timing;
  const secondsPerBlock = timing.secondsPerBlock ?? PESSIMISTIC_SECONDS_PER_BLOCK;
  assertBlocks('currentHeight', currentHeight, 0, Number.MAX_SAFE_INTEGER - MAX_CLTV_BLOCKS);
  assertBlocks('invoiceCltvBlocks', invoiceCltvBlocks, 1, MAX_CLTV_BLOCKS);
  assertBlocks('safetyMarginBlocks', safetyMarginBlocks, MIN_SAFETY_MARGIN_BLOCKS, MAX_CLTV_BLOCKS);
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) {
    throw new InvalidCltvError(`nowMs must be a non-negative integer, got ${nowMs}`);
  }
  if (!Number.isFinite(secondsPerBlock) || secondsPerBlock <= 0) {
    throw new InvalidCltvError(`secondsPerBlock must be a positive number, got ${secondsPerBlock}`);
  }
  const budgetBlocks = invoiceCltvBlocks - safetyMarginBlocks;
  if (budgetBlocks < 1) {
    throw new HoldWindowTooLongError(
      `an invoice CLTV delta of ${invoiceCltvBlocks} blocks leaves no room for a ${safetyMarginBlocks}-block safety margin`,
    );
  }
  return {
    htlcExpiryHeight: currentHeight + invoiceCltvBlocks,
    cancelByHeight: currentHeight + budgetBlocks,
    budgetBlocks,
    cancelByMs: nowMs + Math.floor(budgetBlocks * secondsPerBlock * 1000),
  };
}

/**
 * {@link cancelDeadline} as a result instead of a throw, for workflow code (where a thrown domain error fails the
 * workflow task and Temporal retries it forever).
 */
export function holdDeadline(
  timing: HoldTiming,
): { ok: true; deadline: CancelDeadline } | { ok: false; code: EconomicsErrorCode; message: string } {
  try {
    return { ok: true, deadline: cancelDeadline(timing) };
  } catch (err) {
    if (err instanceof EconomicsError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/**
 * Checks that a hold of `holdSeconds` (the validation time budget) fits before the cancel
 * deadline, counting blocks at the pessimistic interval, and returns that deadline.
 *
 * @example
 * // 144-block invoice, 24-block margin: 120 blocks ≈ 10 h at 300 s/block
 * assertHoldWindowFits({ currentHeight: 800_000, invoiceCltvBlocks: 144, safetyMarginBlocks: 24, nowMs: 0, holdSeconds: 3_600 }) // ok
 * assertHoldWindowFits({ currentHeight: 800_000, invoiceCltvBlocks: 40, safetyMarginBlocks: 24, nowMs: 0, holdSeconds: 7_200 }) // throws: 24 blocks > 16
 * @throws HoldWindowTooLongError when the hold cannot keep the safety margin
 */
export function assertHoldWindowFits(timing: HoldTiming & { holdSeconds: number }): CancelDeadline {
  if (!Number.isFinite(timing.holdSeconds) || timing.holdSeconds < 0) {
    throw new InvalidCltvError(`holdSeconds must be a non-negative number, got ${timing.holdSeconds}`);
  }
  const deadline = cancelDeadline(timing);
  const secondsPerBlock = timing.secondsPerBlock ?? PESSIMISTIC_SECONDS_PER_BLOCK;
  const holdBlocks = Math.ceil(timing.holdSeconds / secondsPerBlock);
  if (holdBlocks > deadline.budgetBlocks) {
    throw new HoldWindowTooLongError(
      `a ${timing.holdSeconds}s hold needs ${holdBlocks} blocks at ${secondsPerBlock}s/block, ` +
        `but only ${deadline.budgetBlocks} fit before the ${timing.safetyMarginBlocks}-block safety margin`,
    );
  }
  return deadline;
}

function assertBlocks(what: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidCltvError(`${what} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
