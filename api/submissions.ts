import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { TASK_QUEUES } from '../temporal-config';
import type { paidSubmission } from '../workflows';
import type { HeldStake } from '../workflows/definitions';
import type { Admitted, SubmissionRequest } from '../workflows/submission-definitions';
import { paidSubmissionWorkflowId, submitUpdate } from '../workflows/submission-definitions';

/**
 * Hands a prechecked request to its paid submission: the one its stake's 402 started (the stake's ledger row names
 * it) or, with no stake, one started with the request. Resolves with the parent's admission; a refusal is a
 * `WorkflowUpdateFailedError` whose failure type is the stable code, and the workflow has refunded the stake.
 * `workflowId` names the new submission's workflow when there is no stake.
 */
export async function enterSubmission(
  temporal: Client,
  stake: HeldStake | null,
  request: SubmissionRequest,
  workflowId = paidSubmissionWorkflowId(randomUUID()),
): Promise<Admitted> {
  if (stake)
    return temporal.workflow.getHandle(stake.workflowId).executeUpdate(submitUpdate, { args: [request] });
  return temporal.workflow.executeUpdateWithStart(submitUpdate, {
    args: [request],
    startWorkflowOperation: new WithStartWorkflowOperation<typeof paidSubmission>('paidSubmission', {
      workflowId,
      taskQueue: TASK_QUEUES.control,
      workflowIdConflictPolicy: 'FAIL',
      args: [{ stake: null }],
    }),
  });
}
