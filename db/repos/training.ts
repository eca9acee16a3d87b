import { createHash } from 'node:crypto';
import type { PrismaClient } from '../../generated/prisma/client';

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
  payload: Uint8Array;
  lossBefore: number | null;
  lossAfter: number | null;
  accepted: boolean;
  reason: string;
  revealed: number;
  paidSats: number;
  stakeHash: string | null;
  stakeOutcome: 'forfeit' | 'refund' | null;
}

/** Weights as stored and hashed: float32, little-endian. */
export function weightBytes(weights: Float32Array): Buffer {
  const bytes = Buffer.alloc(weights.length * 4);
  weights.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes;
}

export function weightsFromBytes(bytes: Uint8Array): Float32Array {
  const buffer = Buffer.from(bytes);
  return Float32Array.from({ length: buffer.length / 4 }, (_, i) => buffer.readFloatLE(i * 4));
}

export const checkpointHash = (weights: Float32Array) =>
  createHash('sha256').update(weightBytes(weights)).digest('hex');

/** Checkpoints keyed by the hash of their weights, and each round's decided submissions. */
export function trainingRepository(prisma: PrismaClient) {
  return {
    /** Stores the weights under their hash; storing the same weights again is a no-op. */
    async saveCheckpoint(
      runId: string,
      round: number,
      weights: Float32Array,
      heldOutLoss: number | null,
    ): Promise<string> {
      const hash = checkpointHash(weights);
      await prisma.checkpoint.createMany({
        data: [{ hash, runId, round, weights: new Uint8Array(weightBytes(weights)), heldOutLoss }],
        skipDuplicates: true,
      });
      return hash;
    },

    async checkpoint(hash: string): Promise<StoredCheckpoint | null> {
      const row = await prisma.checkpoint.findUnique({ where: { hash } });
      return row && { ...row, weights: weightsFromBytes(row.weights) };
    },

    async latestCheckpoint(runId: string): Promise<StoredCheckpoint | null> {
      const row = await prisma.checkpoint.findFirst({ where: { runId }, orderBy: { round: 'desc' } });
      return row && { ...row, weights: weightsFromBytes(row.weights) };
    },

    async recordSubmission(submission: DecidedSubmission): Promise<void> {
      const payloadHash = createHash('sha256').update(submission.payload).digest('hex');
      await prisma.trainingSubmission.createMany({
        data: [{ ...submission, payload: new Uint8Array(submission.payload), payloadHash }],
        skipDuplicates: true,
      });
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
