import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import type { SignalDefinition } from '@temporalio/workflow';

/**
 * Sends a submission one of its parent's answers (admission, turn, decision). Resolves false when the submission
 * has already ended (it refunded its own stake on the way out): the parent goes on without it, never fails on it.
 */
export function tellSubmission<T>(
  workflowId: string,
  signal: SignalDefinition<[T]>,
  answer: T,
): Promise<boolean> {
  return getExternalWorkflowHandle(workflowId)
    .signal(signal, answer)
    .then(
      () => true,
      (err: unknown) => {
        log.warn(`${signal.name} not delivered`, { workflowId, err: String(err) });
        return false;
      },
    );
}
