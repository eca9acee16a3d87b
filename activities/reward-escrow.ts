import { Context } from '@temporalio/activity';
import type { EarnerLiquidityRepository, EscrowClaim } from '../db/repos/earner-liquidity';
import type { LedgerRepository } from '../db/repos/ledger';
import type { EarnerLiquidityRule, EarnerRefusal } from '../domain/money/earner-liquidity';
import type { RevealedPreimagesRepository } from '../db/repos/revealed-preimages';
import { derivePreimage, paymentHashOf } from '../domain/money/preimages';
import { WATCH_HEARTBEAT_MS } from '../temporal-config';
import type { EscrowInvoiceRefusal } from '../domain/money/escrow-invoices';
import { refuseEscrowInvoices } from '../domain/money/escrow-invoices';
import type { DecodedInvoice, LightningClient, PaymentStatus } from './lightning/client';

export interface RewardEscrowDeps {
  lightning: LightningClient;
  ledger: LedgerRepository;
  revealed: RevealedPreimagesRepository;
  earners: EarnerLiquidityRepository;
  preimageSecret: Buffer;
}

export interface CheckedInvoice {
  paymentHash: string;
  sats: number;
  cltvDelta: number;
  destination: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reward escrow, coordinator side: the earner's node holds an invoice per tranche whose preimage only the
 * coordinator can derive; the coordinator locks sats by paying them and later releases some preimages.
 */
export function rewardEscrowActivities({
  lightning,
  ledger,
  revealed,
  earners,
  preimageSecret,
}: RewardEscrowDeps) {
  const preimage = (escrowId: string, tranche: number) => derivePreimage(preimageSecret, escrowId, tranche);
  const hashOf = (escrowId: string, tranche: number) =>
    paymentHashOf(preimage(escrowId, tranche)).toString('hex');

  return {
    /** Reserves the escrow's tranches against its earner node's caps, or says why the earner is refused. */
    async admitEscrow(input: {
      claim: EscrowClaim;
      rule: EarnerLiquidityRule;
    }): Promise<EarnerRefusal | null> {
      return earners.admit(input.claim, input.rule);
    },

    /** Frees the escrow's reservation once every tranche has ended (or none was ever sent). */
    async releaseEscrowReservation(input: { escrowId: string }): Promise<void> {
      await earners.release(input.escrowId);
    },

    /** How many of these tranche payments are still in flight: HTLCs the earner has neither settled nor cancelled. */
    async countUnresolvedTranches(input: { paymentHashes: string[] }): Promise<number> {
      const statuses = await Promise.all(input.paymentHashes.map((hash) => lightning.getPayment(hash)));
      return statuses.filter((status) => status?.state === 'IN_FLIGHT').length;
    },

    /** Records the earner that left tranches unresolved past the decision; refused new escrows for a while. */
    async penalizeEarner(input: {
      escrowId: string;
      earnerPublicKey: string;
      unresolvedTranches: number;
      penaltySeconds: number;
    }): Promise<void> {
      const { penaltySeconds, ...penalty } = input;
      await earners.penalize(penalty, penaltySeconds);
    },

    /** Only hashes leave this activity: the preimages stay derivable from the secret alone. */
    async escrowPaymentHashes(input: { escrowId: string; tranches: number }): Promise<string[]> {
      return Array.from({ length: input.tranches }, (_, tranche) => hashOf(input.escrowId, tranche));
    },

    /**
     * Checks the earner's invoices before any sat moves (see domain/money refuseEscrowInvoices): the submitter's own
     * node (so nobody who learns the hashes can redirect the escrow), our hashes, the exact amounts, a CLTV we can
     * keep. A refusal is a result, not a failure: the workflow ends the escrow with its code.
     */
    async checkEscrowInvoices(input: {
      escrowId: string;
      invoices: string[];
      trancheSats: number[];
      safetyMarginBlocks: number;
      maxCltvDelta: number;
      earnerPublicKey: string;
    }): Promise<{ ok: true; invoices: CheckedInvoice[] } | { ok: false; refusal: EscrowInvoiceRefusal }> {
      const decoded = await Promise.all(
        input.invoices.map((bolt11) =>
          lightning.decodeInvoice(bolt11).catch(async () => {
            // LND answers garbage with the same 503 as a lost connection: reaching it tells the two apart.
            await lightning.blockHeight();
            return null;
          }),
        ),
      );
      const refusal = refuseEscrowInvoices(
        {
          earnerPublicKey: input.earnerPublicKey,
          paymentHashes: input.trancheSats.map((_, tranche) => hashOf(input.escrowId, tranche)),
          trancheSats: input.trancheSats,
          safetyMarginBlocks: input.safetyMarginBlocks,
          maxCltvDelta: input.maxCltvDelta,
          nowMs: Date.now(),
        },
        decoded.map((invoice) => invoice && { ...invoice, expiresAtMs: invoice.expiresAt.getTime() }),
      );
      if (refusal) return { ok: false, refusal };
      return {
        ok: true,
        invoices: decoded.map((invoice) => {
          const { paymentHash, sats, cltvDelta, destination } = invoice as DecodedInvoice;
          return { paymentHash, sats, cltvDelta, destination };
        }),
      };
    },

    /** Pays one tranche and returns once its HTLC is locked; a retry finds LND's existing payment. */
    async lockEscrowTranche(input: {
      workflowId: string;
      bolt11: string;
      paymentHash: string;
      sats: number;
      maxFeeSats: number;
      maxTimeoutHeight: number;
    }): Promise<PaymentStatus> {
      await ledger.record({
        paymentHash: input.paymentHash,
        direction: 'OUTGOING',
        purpose: 'REWARD_ESCROW',
        amountSats: BigInt(input.sats),
        state: 'IN_FLIGHT',
        workflowId: input.workflowId,
      });
      const status = await lightning.startPayment(input.bolt11, {
        maxFeeSats: input.maxFeeSats,
        maxTimeoutHeight: input.maxTimeoutHeight,
      });
      if (status.state === 'FAILED') await ledger.markState(input.paymentHash, 'OUTGOING', 'FAILED');
      return status;
    },

    /** Releases the first `count` preimages to the earner (through the API), after the decision is in history. */
    async revealTranches(input: { escrowId: string; count: number }): Promise<void> {
      await revealed.reveal(
        input.escrowId,
        Array.from({ length: input.count }, (_, tranche) => ({
          tranche,
          paymentHash: hashOf(input.escrowId, tranche),
          preimage: preimage(input.escrowId, tranche).toString('hex'),
        })),
      );
    },

    /** Waits until every tranche payment has settled or failed, recording each outcome in the ledger. */
    async awaitEscrowPayments(input: { paymentHashes: string[] }): Promise<PaymentStatus[]> {
      const context = Context.current();
      for (;;) {
        // Every tranche was sent by lockEscrowTranche before this runs, so "no payment" is never an outcome.
        const statuses = await Promise.all(
          input.paymentHashes.map(
            async (hash) =>
              (await lightning.getPayment(hash)) ?? {
                paymentHash: hash,
                state: 'IN_FLIGHT' as const,
                feeSats: 0,
              },
          ),
        );
        for (const status of statuses) {
          if (status.state === 'IN_FLIGHT') continue;
          await ledger.markState(
            status.paymentHash,
            'OUTGOING',
            status.state === 'SUCCEEDED' ? 'SETTLED' : 'FAILED',
            {
              feeSats: BigInt(status.feeSats),
            },
          );
        }
        if (statuses.every((status) => status.state !== 'IN_FLIGHT')) return statuses;
        context.heartbeat(statuses.filter((status) => status.state === 'IN_FLIGHT').length);
        await Promise.race([sleep(500), context.cancelled]);
      }
    },

    /** Resolves once the chain reaches `height`; heartbeats while it waits. */
    async awaitBlockHeight(input: { height: number }): Promise<number> {
      const context = Context.current();
      for (;;) {
        const height = await lightning.blockHeight();
        if (height >= input.height) return height;
        context.heartbeat(height);
        await Promise.race([sleep(Math.min(WATCH_HEARTBEAT_MS, 1_000)), context.cancelled]);
      }
    },

    async blockHeight(): Promise<number> {
      return lightning.blockHeight();
    },
  };
}
