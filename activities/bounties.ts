import type { BountyProgress, BountyRepository, NewBounty, SubmissionRecord } from '../db/repos/bounties';
import type { LedgerRepository } from '../db/repos/ledger';
import { derivePreimage, paymentHashOf } from '../lib/preimages';
import type { LightningClient } from './lightning/client';

export interface BountyDeps {
  lightning: LightningClient;
  ledger: LedgerRepository;
  bounties: BountyRepository;
  preimageSecret: Buffer;
}

export interface RefundResult {
  paymentHash: string;
  state: 'SUCCEEDED' | 'FAILED';
  refundedSats: number;
  feeSats: number;
}

/** Bounty bookkeeping on the control queue: rows for bounties and submissions, and the sponsor's refund. */
export function bountyActivities({ lightning, ledger, bounties, preimageSecret }: BountyDeps) {
  return {
    async recordBounty(input: Omit<NewBounty, 'deadline'> & { deadline: string }): Promise<void> {
      await bounties.create({ ...input, deadline: new Date(input.deadline) });
    },

    async recordBountyProgress(input: { bountyId: string; progress: BountyProgress }): Promise<void> {
      await bounties.progress(input.bountyId, input.progress);
    },

    async recordBountySubmission(record: SubmissionRecord): Promise<void> {
      await bounties.recordSubmission(record);
    },

    /**
     * Sends what is left of the pool back to the sponsor's node by keysend, with a preimage derived from the
     * coordinator secret (so a retry finds the same payment and never pays twice). The fee comes out of the pool.
     */
    async refundSponsor(input: {
      bountyId: string;
      /** Each refund pass is its own keysend, with its own derived preimage. */
      pass: number;
      workflowId: string;
      destination: string;
      sats: number;
      maxFeeSats: number;
    }): Promise<RefundResult> {
      const preimage = derivePreimage(preimageSecret, `bounty-refund/${input.bountyId}`, input.pass);
      const paymentHash = paymentHashOf(preimage).toString('hex');
      await ledger.record({
        paymentHash,
        direction: 'OUTGOING',
        purpose: 'REFUND',
        amountSats: BigInt(input.sats),
        state: 'IN_FLIGHT',
        workflowId: input.workflowId,
        memo: `bounty ${input.bountyId} refund`,
      });
      const status = await lightning.keysend({
        destination: input.destination,
        sats: input.sats,
        preimage,
        maxFeeSats: input.maxFeeSats,
      });
      const succeeded = status.state === 'SUCCEEDED';
      await ledger.markState(paymentHash, 'OUTGOING', succeeded ? 'SETTLED' : 'FAILED', {
        feeSats: BigInt(succeeded ? status.feeSats : 0),
      });
      return {
        paymentHash,
        state: succeeded ? 'SUCCEEDED' : 'FAILED',
        refundedSats: succeeded ? input.sats : 0,
        feeSats: succeeded ? status.feeSats : 0,
      };
    },
  };
}
