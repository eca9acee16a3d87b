import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { linkedWorkflowIds } from '../../server/audit/histories';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** What an event did, in a few words: its kind, and the activity, signal, update or workflow it names. */
function describe(event: HistoryEvent): string {
  const kind = Object.keys(event).find((key) => key.endsWith('EventAttributes')) ?? 'unknown';
  const attributes = (event as Record<string, unknown>)[kind] as Record<string, unknown> | undefined;
  const named = (key: string) => (attributes?.[key] as { name?: string } | undefined)?.name;
  const subject =
    named('activityType') ??
    named('workflowType') ??
    (attributes?.signalName as string | undefined) ??
    (attributes?.markerName as string | undefined) ??
    '';
  return `${kind.replace('EventAttributes', '')} ${subject}`.trim();
}

const millis = (event: HistoryEvent) =>
  Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);

/**
 * Prints, in time order, every event of one round's submissions and of `escrowWorkflowId`, in ms from `fromMs`
 * (epoch): where a submission's time goes between the server, the workers and the activities.
 */
export async function printTimeline(
  client: Client,
  roundWorkflowId: string,
  escrowWorkflowId: string,
  fromMs: number,
): Promise<void> {
  const history = (workflowId: string) => client.workflow.getHandle(workflowId).fetchHistory();
  const round = await history(roundWorkflowId);
  const submissions = linkedWorkflowIds(round).filter((id) => id.startsWith('submission/'));
  const sources: (readonly [string, temporal.api.history.v1.IHistory])[] = [
    ['round', round] as const,
    ...(await Promise.all(submissions.map(async (id) => ['submission', await history(id)] as const))),
    ['escrow', await history(escrowWorkflowId)],
  ];
  const rows = sources
    .flatMap(([name, events]) => (events.events ?? []).map((event) => ({ name, event })))
    .sort((a, b) => millis(a.event) - millis(b.event));
  for (const { name, event } of rows)
    console.log(`${String(millis(event) - fromMs).padStart(7)} ${name.padEnd(10)} ${describe(event)}`);
}
