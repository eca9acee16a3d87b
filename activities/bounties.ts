import type { BlobStore } from '../db/blobs';
import type { BountyProgress, BountyRepository, NewBounty, SubmissionRecord } from '../db/repos/bounties';
import type { LedgerRepository } from '../db/repos/ledger';
import { derivePreimage, paymentHashOf } from '../domain/money/preimages';
import { readFiles } from './blobs';
import type { LightningClient } from './lightning/client';

export interface BountyDeps {
  lightning: LightningClient;
  ledger: LedgerRepository;
  bounties: BountyRepository;
  /** Where the bounty's baseline files are, by hash; the database row keeps a copy the API serves. */
  blobs: BlobStore;
  preimageSecret: Buffer;
}

export interface RefundResult {
  paymentHash: string;
  state: 'SUCCEEDED' | 'FAILED';
  refundedSats: number;
  feeSats: number;
}

/** Bounty bookkeeping on the control queue: rows for bounties and submissions, and the sponsor's refund. */
export function bountyActivities({ lightning, ledger, bounties, blobs, preimageSecret }: BountyDeps) {
  return {
    /** The bounty's row, its baseline written out from the blob the workflow names. */
    async recordBounty(
      input: Omit<NewBounty, 'deadline' | 'baselineFiles'> & { deadline: string; baselineSha256: string },
    ): Promise<void> {
      const { baselineSha256, ...fields } = input;
      await bounties.create({
        ...fields,
        baselineFiles: await readFiles(blobs, baselineSha256),
        deadline: new Date(input.deadline),
      });
    },

    async recordBountyProgress(input: {
      bountyId: string;
      progress: Omit<BountyProgress, 'baselineFiles'> & { baselineSha256?: string };
    }): Promise<void> {
      const { baselineSha256, ...progress } = input.progress;
      await bounties.progress(
        input.bountyId,
        baselineSha256 === undefined
          ? progress
          : { ...progress, baselineFiles: await readFiles(blobs, baselineSha256) },
      );
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
