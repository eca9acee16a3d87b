import type { Client } from '@temporalio/client';

/**
 * The attempt each activity of `activityType` reached in the workflow's real history: the ActivityTaskStarted
 * event's attempt for finished ones (Temporal writes it with the last attempt), the pending activity's attempt
 * for the rest. One number per scheduled activity.
 */
export async function activityAttempts(
  client: Client,
  workflowId: string,
  activityType: string,
): Promise<number[]> {
  const handle = client.workflow.getHandle(workflowId);
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Set(
    events
      .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
      .map((event) => String(event.eventId)),
  );
  const started = events
    .filter((event) => scheduled.has(String(event.activityTaskStartedEventAttributes?.scheduledEventId)))
    .map((event) => event.activityTaskStartedEventAttributes?.attempt ?? 0);
  const pending = ((await handle.describe()).raw.pendingActivities ?? [])
    .filter((activity) => activity.activityType?.name === activityType)
    .map((activity) => activity.attempt ?? 0);
  return [...started, ...pending];
}

/** True once the workflow's history shows an activity of `activityType` completed. */
export async function activityCompleted(
  client: Client,
  workflowId: string,
  activityType: string,
): Promise<boolean> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = new Set(
    events
      .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
      .map((event) => String(event.eventId)),
  );
  return events.some((event) =>
    scheduled.has(String(event.activityTaskCompletedEventAttributes?.scheduledEventId)),
  );
}
