import { Context } from '@temporalio/activity';
import type { LedgerRepository } from '../db/repos/ledger';
import type { RevealedPreimagesRepository } from '../db/repos/revealed-preimages';
import { derivePreimage, paymentHashOf } from '../lib/preimages';
import { WATCH_HEARTBEAT_MS } from '../temporal-config';
import type { LightningClient, PaymentStatus } from './lightning/client';
import { permanentFailure } from './errors';

export interface RewardEscrowDeps {
  lightning: LightningClient;
  ledger: LedgerRepository;
  revealed: RevealedPreimagesRepository;
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
export function rewardEscrowActivities({ lightning, ledger, revealed, preimageSecret }: RewardEscrowDeps) {
  const preimage = (escrowId: string, tranche: number) => derivePreimage(preimageSecret, escrowId, tranche);
  const hashOf = (escrowId: string, tranche: number) =>
    paymentHashOf(preimage(escrowId, tranche)).toString('hex');

  return {
    /** Only hashes leave this activity: the preimages stay derivable from the secret alone. */
    async escrowPaymentHashes(input: { escrowId: string; tranches: number }): Promise<string[]> {
      return Array.from({ length: input.tranches }, (_, tranche) => hashOf(input.escrowId, tranche));
    },

    /**
     * Checks the earner's invoices before any sat moves: the submitter's own node (so nobody who learns the
     * hashes can redirect the escrow), our hashes, the agreed amounts, a CLTV we can keep.
     */
    async checkEscrowInvoices(input: {
      escrowId: string;
      invoices: string[];
      trancheSats: number[];
      maxCltvDelta: number;
      earnerPublicKey: string;
    }): Promise<CheckedInvoice[]> {
      if (input.invoices.length !== input.trancheSats.length) {
        throw permanentFailure(
          'ESCROW_INVOICE_INVALID',
          `expected ${input.trancheSats.length} invoices, got ${input.invoices.length}`,
        );
      }
      const checked: CheckedInvoice[] = [];
      for (const [tranche, bolt11] of input.invoices.entries()) {
        const decoded = await lightning.decodeInvoice(bolt11).catch((err: Error) => {
          throw permanentFailure(
            'ESCROW_INVOICE_INVALID',
            `invoice ${tranche} does not decode: ${err.message}`,
          );
        });
        const problem =
          decoded.destination !== input.earnerPublicKey
            ? 'pays a node other than the earner who submitted'
            : decoded.paymentHash !== hashOf(input.escrowId, tranche)
              ? 'is not for the escrow hash of its tranche'
              : decoded.sats !== input.trancheSats[tranche]
                ? `asks ${decoded.sats} sats instead of ${input.trancheSats[tranche]}`
                : decoded.cltvDelta > input.maxCltvDelta
                  ? `asks a CLTV delta of ${decoded.cltvDelta} blocks, above ${input.maxCltvDelta}`
                  : decoded.expiresAt.getTime() < Date.now()
                    ? 'has expired'
                    : null;
        if (problem) throw permanentFailure('ESCROW_INVOICE_INVALID', `invoice ${tranche} ${problem}`);
        checked.push({
          paymentHash: decoded.paymentHash,
          sats: decoded.sats,
          cltvDelta: decoded.cltvDelta,
          destination: decoded.destination,
        });
      }
      return checked;
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
