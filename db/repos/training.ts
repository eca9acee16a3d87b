import type { PrismaClient } from '../../generated/prisma/client';
import type { BlobStore } from '../blobs';
import { blobStoreFor, sha256Hex } from '../blobs';
import { weightBytes, weightsFromBytes } from '../../model/weights';

export interface StoredCheckpoint {
  hash: string;
  runId: string;
  round: number;
  weights: Float32Array;
  heldOutLoss: number | null;
}

export interface DecidedSubmission {
  submissionId: string;
  runId: string;
  round: number;
  peerId: string;
  /** sha256 of the payload, whose bytes are in the blob store. */
  payloadHash: string;
  lossBefore: number | null;
  lossAfter: number | null;
  accepted: boolean;
  reason: string;
  revealed: number;
  paidSats: number;
  stakeHash: string | null;
  stakeOutcome: 'forfeit' | 'refund' | null;
}

export const checkpointHash = (weights: Float32Array) => sha256Hex(weightBytes(weights));

/**
 * Checkpoints keyed by the hash of their weights (the weights are the blob of that hash), and each round's decided
 * submissions.
 */
export function trainingRepository(prisma: PrismaClient, blobs: BlobStore = blobStoreFor(prisma)) {
  const withWeights = async <Row extends { hash: string }>(row: Row | null) =>
    row && { ...row, weights: weightsFromBytes(await blobs.get(row.hash)) };

  return {
    /** Stores the weights under their hash; storing the same weights again is a no-op. */
    async saveCheckpoint(
      runId: string,
      round: number,
      weights: Float32Array,
      heldOutLoss: number | null,
    ): Promise<string> {
      const hash = await blobs.put(weightBytes(weights));
      await prisma.checkpoint.createMany({
        data: [{ hash, runId, round, heldOutLoss }],
        skipDuplicates: true,
      });
      return hash;
    },

    async checkpoint(hash: string): Promise<StoredCheckpoint | null> {
      return withWeights(await prisma.checkpoint.findUnique({ where: { hash } }));
    },

    async latestCheckpoint(runId: string): Promise<StoredCheckpoint | null> {
      return withWeights(await prisma.checkpoint.findFirst({ where: { runId }, orderBy: { round: 'desc' } }));
    },

    async recordSubmission(submission: DecidedSubmission): Promise<void> {
      await prisma.trainingSubmission.createMany({ data: [submission], skipDuplicates: true });
    },

    submissions(runId: string, round: number) {
      return prisma.trainingSubmission.findMany({ where: { runId, round }, orderBy: { createdAt: 'asc' } });
    },

    submission(submissionId: string) {
      return prisma.trainingSubmission.findUnique({ where: { submissionId } });
    },
  };
}

export type TrainingRepository = ReturnType<typeof trainingRepository>;
