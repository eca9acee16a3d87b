import type { DecidedSubmission, TrainingRepository } from '../db/repos/training';

/** Bookkeeping of training rounds on the control queue. */
export function trainingActivities({ training }: { training: TrainingRepository }) {
  return {
    async recordTrainingSubmission(
      input: Omit<DecidedSubmission, 'payload'> & { payloadBase64: string },
    ): Promise<void> {
      const { payloadBase64, ...rest } = input;
      await training.recordSubmission({ ...rest, payload: Buffer.from(payloadBase64, 'base64') });
    },
  };
}
