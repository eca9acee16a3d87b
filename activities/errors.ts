import { ApplicationFailure } from '@temporalio/common';

/** A failure no retry can fix; its type is our stable error code, so workflows can branch on it. */
export function permanentFailure(code: string, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: code,
    message,
    nonRetryable: true,
    details: details === undefined ? [] : [details],
  });
}
