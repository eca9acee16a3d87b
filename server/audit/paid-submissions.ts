import type { PayloadCodec } from '@temporalio/common';
import type {
  Admission,
  PaidSubmissionInput,
  PaidSubmissionResult,
  SubmissionRequest,
  SubmissionTurn,
} from '../../workflows/submission-definitions';
import type { Note } from './findings';
import type { HistorySource, RecordedExecution } from './histories';
import { linkedWorkflowIds, signalInput, startInput, updateInput, workflowResult } from './histories';
import { readExecutions } from './money';

export { withoutMode } from '../../workflows/submission-definitions';

/** What one paid submission's history holds: its stake terms, the API's request, its turn and its end. */
export interface RecordedSubmission {
  execution: RecordedExecution;
  input: PaidSubmissionInput;
  request: SubmissionRequest | undefined;
  turn: SubmissionTurn | undefined;
  result: PaidSubmissionResult | null;
}

/**
 * The paid submissions a parent (round or bounty) admitted, read from their own histories and keyed by the
 * submission id the parent gave each (its `admission` signal): every one the parent's executions signalled.
 */
export async function admittedSubmissions(
  codec: PayloadCodec,
  histories: HistorySource,
  parent: RecordedExecution[],
  collected: RecordedExecution[],
  note: Note,
): Promise<Map<string, RecordedSubmission>> {
  const ids = parent
    .flatMap((execution) => linkedWorkflowIds(execution.history))
    .filter((id) => id.startsWith('submission/'));
  const admitted = new Map<string, RecordedSubmission>();
  for (const id of [...new Set(ids)]) {
    const [execution] = await readExecutions(histories, id, collected, note);
    if (!execution) continue;
    const admission = await signalInput<Admission>(codec, execution.history, 'admission');
    if (!admission || !('admitted' in admission)) continue;
    admitted.set(admission.admitted.submissionId, {
      execution,
      input: await startInput<PaidSubmissionInput>(codec, execution.history),
      request: await updateInput<SubmissionRequest>(codec, execution.history, 'submit'),
      turn: await signalInput<SubmissionTurn>(codec, execution.history, 'turn'),
      result: await workflowResult<PaidSubmissionResult>(codec, execution.history),
    });
  }
  return admitted;
}
