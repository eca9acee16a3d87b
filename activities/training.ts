import type { DecidedSubmission, TrainingRepository } from '../db/repos/training';

/** Bookkeeping of training rounds on the control queue. */
export function trainingActivities({ training }: { training: TrainingRepository }) {
  return {
    async recordTrainingSubmission(input: DecidedSubmission): Promise<void> {
      await training.recordSubmission(input);
    },
  };
}
