import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { cancelDeadline, MIN_SAFETY_MARGIN_BLOCKS } from '../economics/cltv';
import type { FeePolicy } from '../economics/fees';
import { feeLimitSats } from '../economics/fees';
import { ACTIVITY_PROFILES } from '../temporal-config';
import type { EscrowStatus } from './definitions';
import { escrowInvoicesSignal, escrowStatusQuery, releaseEscrowSignal } from './definitions';
import { beforeHeight } from './hold-invoice';

const lightning = proxyActivities<Activities>(ACTIVITY_PROFILES.lightning);
const watch = proxyActivities<Activities>(ACTIVITY_PROFILES.invoiceWatch);

export interface RewardEscrowInput {
  escrowId: string;
  /** The earner's node: every tranche invoice must pay it. */
  earnerPublicKey: string;
  /** Sats per tranche, in reveal order (see economics.splitIntoTranches). */
  trancheSats: number[];
  /** How long the earner has to hand in its hold invoices. */
  invoiceWithinSeconds: number;
  /** Longest wait for the owner's decision once the sats are locked; the CLTV deadline may end it sooner. */
  decideWithinSeconds: number;
  /** Largest final CLTV delta accepted on an earner's invoice, in blocks. */
  maxInvoiceCltvDelta: number;
  safetyMarginBlocks?: number;
  /** Extra blocks routing may add on top of the earner's CLTV delta. */
  routingCltvBlocks: number;
  fees: FeePolicy;
}

export interface RewardEscrowResult {
  phase: 'completed' | 'expired' | 'invalid-invoices';
  revealed: number;
  paidSats: number;
  returnedSats: number;
  feeSats: number;
}

/**
 * Reward escrow: lock each tranche by paying the earner's hold invoice for a hash only the coordinator can open,
 * then reveal the first N preimages (the earner settles those) and tell the earner to cancel the rest. With no
 * decision before the timer or the CLTV deadline, nothing is revealed and every tranche returns.
 */
export async function rewardEscrow(input: RewardEscrowInput): Promise<RewardEscrowResult> {
  const { workflowId } = workflowInfo();
  const tranches = input.trancheSats.length;
  const status: EscrowStatus = {
    phase: 'awaiting-invoices',
    paymentHashes: [],
    trancheSats: input.trancheSats,
    revealed: null,
    decideByHeight: null,
    problem: null,
  };
  const earner: { invoices?: string[] } = {};
  let decision: number | null = null;
  setHandler(escrowStatusQuery, () => status);
  setHandler(escrowInvoicesSignal, (signal) => {
    earner.invoices ??= signal.invoices;
  });
  setHandler(releaseEscrowSignal, ({ reveal }) => {
    decision ??= Math.max(0, Math.min(tranches, Math.floor(reveal)));
  });
  const nothingPaid = (phase: RewardEscrowResult['phase']) => ({
    phase,
    revealed: 0,
    paidSats: 0,
    returnedSats: 0,
    feeSats: 0,
  });

  status.paymentHashes = await lightning.escrowPaymentHashes({ escrowId: input.escrowId, tranches });
  if (!(await condition(() => earner.invoices !== undefined, input.invoiceWithinSeconds * 1000))) {
    status.phase = 'expired';
    return nothingPaid('expired');
  }
  const invoices = earner.invoices as string[];

  let checked: Awaited<ReturnType<Activities['checkEscrowInvoices']>>;
  try {
    checked = await lightning.checkEscrowInvoices({
      escrowId: input.escrowId,
      invoices,
      trancheSats: input.trancheSats,
      maxCltvDelta: input.maxInvoiceCltvDelta,
      earnerPublicKey: input.earnerPublicKey,
    });
  } catch (err) {
    status.phase = 'invalid-invoices';
    status.problem =
      err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
        ? err.cause.message
        : 'invoices rejected';
    return nothingPaid('invalid-invoices');
  }

  status.phase = 'locking';
  const height = await lightning.blockHeight();
  const margin = Math.max(input.safetyMarginBlocks ?? MIN_SAFETY_MARGIN_BLOCKS, MIN_SAFETY_MARGIN_BLOCKS);
  const deadline = cancelDeadline({
    currentHeight: height,
    invoiceCltvBlocks: Math.min(...checked.map((invoice) => invoice.cltvDelta)),
    safetyMarginBlocks: margin,
    nowMs: Date.now(),
  });
  status.decideByHeight = deadline.cancelByHeight;
  const locks = await Promise.all(
    checked.map((invoice, tranche) =>
      lightning.lockEscrowTranche({
        workflowId,
        bolt11: invoices[tranche] as string,
        paymentHash: invoice.paymentHash,
        sats: invoice.sats,
        maxFeeSats: feeLimitSats(invoice.sats, input.fees),
        maxTimeoutHeight: height + input.maxInvoiceCltvDelta + input.routingCltvBlocks,
      }),
    ),
  );
  const allLocked = locks.every((lock) => lock.state === 'IN_FLIGHT');
  status.phase = 'locked';

  const decided = allLocked
    ? await beforeHeight(deadline.cancelByHeight, () =>
        condition(
          () => decision !== null,
          Math.min(input.decideWithinSeconds * 1000, deadline.cancelByMs - Date.now()),
        ),
      )
    : false;
  const revealed = decided ? (decision ?? 0) : 0;
  if (revealed > 0) await lightning.revealTranches({ escrowId: input.escrowId, count: revealed });
  status.revealed = revealed;
  status.phase = 'released';

  const outcomes = await watch.awaitEscrowPayments({ paymentHashes: status.paymentHashes });
  status.phase = 'completed';
  const sum = (state: 'SUCCEEDED' | 'FAILED') =>
    outcomes.reduce(
      (total, outcome, tranche) => total + (outcome.state === state ? (input.trancheSats[tranche] ?? 0) : 0),
      0,
    );
  return {
    phase: 'completed',
    revealed,
    paidSats: sum('SUCCEEDED'),
    returnedSats: sum('FAILED'),
    feeSats: outcomes.reduce(
      (total, outcome) => total + (outcome.state === 'SUCCEEDED' ? outcome.feeSats : 0),
      0,
    ),
  };
}
