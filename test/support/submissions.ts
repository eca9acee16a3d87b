import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { enterSubmission } from '../../api/submissions';
import { temporalHistories } from '../../server/audit/histories';
import { admittedSubmissions } from '../../server/audit/paid-submissions';
import type { HeldStake } from '../../workflows/definitions';
import type {
  Admitted,
  BountyEntry,
  GradientEntry,
  SubmissionRequest,
} from '../../workflows/submission-definitions';
import { paidSubmissionWorkflowId } from '../../workflows/submission-definitions';

/** An admitted submission and the `paidSubmission` workflow that carries it. */
export type Entered = Admitted & { workflowId: string };

async function entered(
  client: Client,
  request: SubmissionRequest,
  stake: HeldStake | null,
): Promise<Entered> {
  const workflowId = stake?.workflowId ?? paidSubmissionWorkflowId(randomUUID());
  return { ...(await enterSubmission(client, stake, request, workflowId)), workflowId };
}

/** A training update handed to its round as the API hands it: through a `paidSubmission` (stake held or none). */
export function submitGradient(
  client: Client,
  roundWorkflowId: string,
  entry: GradientEntry,
  stake: HeldStake | null = null,
): Promise<Entered> {
  return entered(client, { parentWorkflowId: roundWorkflowId, mode: 'training', entry }, stake);
}

/** A bounty diff handed to its bounty as the API hands it: through a `paidSubmission` (stake held or none). */
export function submitDiff(
  client: Client,
  bountyWorkflowId: string,
  entry: BountyEntry,
  stake: HeldStake | null = null,
): Promise<Entered> {
  return entered(client, { parentWorkflowId: bountyWorkflowId, mode: 'bounty', entry }, stake);
}

/** The `paidSubmission` workflow of each submission a parent admitted, by submission id, read from histories. */
export async function admittedWorkflows(
  client: Client,
  codec: PayloadCodec,
  parentWorkflowId: string,
): Promise<Map<string, string>> {
  const histories = temporalHistories(client);
  const parent = await histories.executions(parentWorkflowId);
  const admitted = await admittedSubmissions(codec, histories, parent, [], () => undefined);
  return new Map([...admitted].map(([submissionId, { execution }]) => [submissionId, execution.workflowId]));
}
