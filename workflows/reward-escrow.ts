import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { holdDeadline, MIN_SAFETY_MARGIN_BLOCKS } from '../domain/money/cltv';
import type { EarnerLiquidityRule } from '../domain/money/earner-liquidity';
import { DEFAULT_EARNER_LIQUIDITY } from '../domain/money/earner-liquidity';
import type { FeePolicy } from '../domain/money/fees';
import { feeLimitSats } from '../domain/money/fees';
import { ACTIVITY_PROFILES, LOCAL_ACTIVITY_PROFILE } from '../temporal-config';
import type { EscrowStatus } from './definitions';
import { escrowInvoicesSignal, escrowStatusQuery, releaseEscrowSignal } from './definitions';
import { beforeHeight } from './hold-invoice';

const lightning = proxyActivities<Activities>(ACTIVITY_PROFILES.lightning);
const watch = proxyActivities<Activities>(ACTIVITY_PROFILES.invoiceWatch);
const local = proxyLocalActivities<Activities>(LOCAL_ACTIVITY_PROFILE);

export interface RewardEscrowInput {
  escrowId: string;
  /** The earner's node: every tranche invoice must pay it. */
  earnerPublicKey: string;
  /** Sats per tranche, in reveal order (see domain/money splitIntoTranches). */
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
  /** Caps and penalty of the earner's node; default {@link DEFAULT_EARNER_LIQUIDITY}. */
  liquidity?: EarnerLiquidityRule;
}

/** How the reward escrows of a round or a bounty are run: the parts of {@link RewardEscrowInput} its owner sets. */
export type EscrowSettings = Pick<
  RewardEscrowInput,
  | 'invoiceWithinSeconds'
  | 'decideWithinSeconds'
  | 'maxInvoiceCltvDelta'
  | 'routingCltvBlocks'
  | 'fees'
  | 'liquidity'
>;

export interface RewardEscrowResult {
  phase: 'completed' | 'expired' | 'invalid-invoices' | 'refused';
  revealed: number;
  paidSats: number;
  returnedSats: number;
  feeSats: number;
  /** Why an `invalid-invoices` or `refused` escrow ended (an `ESCROW_INVOICE_*` or `EARNER_*` code). */
  code?: string;
}

/**
 * Reward escrow: lock each tranche by paying the earner's hold invoice for a hash only the coordinator can open,
 * then reveal the first N preimages (the earner settles those) and tell the earner to cancel the rest. With no
 * decision before the timer or the CLTV deadline, nothing is revealed and every tranche returns. Every rule that
 * can refuse (the earner's caps, its invoices) ends the escrow with a code: nothing here throws.
 */
export async function rewardEscrow(input: RewardEscrowInput): Promise<RewardEscrowResult> {
  const { workflowId } = workflowInfo();
  const tranches = input.trancheSats.length;
  const liquidity = input.liquidity ?? DEFAULT_EARNER_LIQUIDITY;
  const status: EscrowStatus = {
    phase: 'awaiting-invoices',
    earnerPublicKey: input.earnerPublicKey,
    paymentHashes: [],
    trancheSats: input.trancheSats,
    revealed: null,
    decideByHeight: null,
    problem: null,
    problemCode: null,
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
  const nothingPaid = (
    phase: Exclude<RewardEscrowResult['phase'], 'completed'>,
    problem?: { code: string; detail: string },
  ): RewardEscrowResult => {
    status.phase = phase;
    if (problem) {
      status.problem = problem.detail;
      status.problemCode = problem.code;
    }
    return {
      phase,
      revealed: 0,
      paidSats: 0,
      returnedSats: 0,
      feeSats: 0,
      ...(problem ? { code: problem.code } : {}),
    };
  };

  // Both in one workflow task; the hashes are published only once the earner is admitted.
  const [refusal, paymentHashes] = await Promise.all([
    local.admitEscrow({
      claim: {
        escrowId: input.escrowId,
        earnerPublicKey: input.earnerPublicKey,
        htlcs: tranches,
        sats: input.trancheSats.reduce((total, sats) => total + sats, 0),
      },
      rule: liquidity,
    }),
    local.escrowPaymentHashes({ escrowId: input.escrowId, tranches }),
  ]);
  if (refusal) return nothingPaid('refused', refusal);
  status.paymentHashes = paymentHashes;
  const result = await escrowAdmitted(
    input,
    status,
    earner,
    () => decision,
    nothingPaid,
    liquidity,
    workflowId,
  );
  await CancellationScope.nonCancellable(() => local.releaseEscrowReservation({ escrowId: input.escrowId }));
  return result;
}

/** The escrow once its earner is admitted: invoices, lock, decision, reveal, and every tranche's end. */
async function escrowAdmitted(
  input: RewardEscrowInput,
  status: EscrowStatus,
  earner: { invoices?: string[] },
  decision: () => number | null,
  nothingPaid: (
    phase: Exclude<RewardEscrowResult['phase'], 'completed'>,
    problem?: { code: string; detail: string },
  ) => RewardEscrowResult,
  liquidity: EarnerLiquidityRule,
  workflowId: string,
): Promise<RewardEscrowResult> {
  if (!(await condition(() => earner.invoices !== undefined, input.invoiceWithinSeconds * 1000))) {
    return nothingPaid('expired');
  }
  const invoices = earner.invoices as string[];
  const margin = Math.max(input.safetyMarginBlocks ?? MIN_SAFETY_MARGIN_BLOCKS, MIN_SAFETY_MARGIN_BLOCKS);

  const [checked, height] = await Promise.all([
    local
      .checkEscrowInvoices({
        escrowId: input.escrowId,
        invoices,
        trancheSats: input.trancheSats,
        safetyMarginBlocks: margin,
        maxCltvDelta: input.maxInvoiceCltvDelta,
        earnerPublicKey: input.earnerPublicKey,
      })
      .catch((err: unknown) => ({
        ok: false as const,
        refusal: {
          code: 'ESCROW_INVOICE_CHECK_FAILED',
          detail:
            err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
              ? err.cause.message
              : 'the invoices could not be checked',
        },
      })),
    local.blockHeight(),
  ]);
  if (!checked.ok) return nothingPaid('invalid-invoices', checked.refusal);

  status.phase = 'locking';
  const hold = holdDeadline({
    currentHeight: height,
    invoiceCltvBlocks: Math.min(...checked.invoices.map((invoice) => invoice.cltvDelta)),
    safetyMarginBlocks: margin,
    nowMs: Date.now(),
  });
  if (!hold.ok) return nothingPaid('invalid-invoices', { code: hold.code, detail: hold.message });
  const { deadline } = hold;
  status.decideByHeight = deadline.cancelByHeight;
  const locks = await Promise.all(
    checked.invoices.map((invoice, tranche) =>
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
          () => decision() !== null,
          Math.min(input.decideWithinSeconds * 1000, deadline.cancelByMs - Date.now()),
        ),
      )
    : false;
  const revealed = decided ? (decision() ?? 0) : 0;
  if (revealed > 0) await lightning.revealTranches({ escrowId: input.escrowId, count: revealed });
  status.revealed = revealed;
  status.phase = 'released';

  const payments = watch.awaitEscrowPayments({ paymentHashes: status.paymentHashes });
  const withheld = status.paymentHashes.slice(revealed);
  if (withheld.length > 0) {
    const ended = await Promise.race([
      payments.then(() => true),
      sleep(liquidity.cancelWithinSeconds * 1000).then(() => false),
    ]);
    const unresolved = ended ? 0 : await lightning.countUnresolvedTranches({ paymentHashes: withheld });
    if (unresolved > 0) {
      await lightning.penalizeEarner({
        escrowId: input.escrowId,
        earnerPublicKey: input.earnerPublicKey,
        unresolvedTranches: unresolved,
        penaltySeconds: liquidity.penaltySeconds,
      });
    }
  }
  const outcomes = await payments;
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
