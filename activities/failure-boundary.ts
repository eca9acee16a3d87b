import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { L402TrainError } from '../domain/l402-train-error';

/**
 * A domain error as Temporal carries it: its code is the failure type workflows branch on, and it is retried only
 * when the catalogue says a retry can fix it. Anything else passes as thrown.
 */
export function asApplicationFailure(err: unknown): unknown {
  if (!(err instanceof L402TrainError)) return err;
  return ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: !err.retryable });
}

/** The one place activities turn domain errors into failures: every worker runs its activities inside it. */
export const failureBoundary: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (err) {
        throw asApplicationFailure(err);
      }
    },
  },
});
