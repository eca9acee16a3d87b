import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { Note } from './findings';

export type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One execution (one run id) of a workflow id, with its whole history. */
export interface RecordedExecution {
  workflowId: string;
  runId: string;
  history: History;
}

/** Where an audit reads histories from: Temporal itself, or (in a test) a wrapper that alters one. */
export interface HistorySource {
  /** Every execution of the workflow id, first to last (continue-as-new chains them); empty when none exists. */
  executions(workflowId: string): Promise<RecordedExecution[]>;
}

const startedOf = (history: History) => history.events?.[0]?.workflowExecutionStartedEventAttributes;

/**
 * Temporal's histories. The latest execution is found by the workflow id alone; each one's start event names the
 * execution it continued (`continuedExecutionRunId`), so the chain is walked back to the first.
 */
export function temporalHistories(client: Client): HistorySource {
  return {
    async executions(workflowId) {
      const chain: RecordedExecution[] = [];
      let runId: string | undefined;
      for (;;) {
        const handle = client.workflow.getHandle(workflowId, runId);
        let history: History;
        try {
          history = await handle.fetchHistory();
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return chain.reverse();
          throw err;
        }
        const described = runId ?? (await handle.describe()).runId;
        chain.push({ workflowId, runId: described, history });
        runId = startedOf(history)?.continuedExecutionRunId || undefined;
        if (!runId) return chain.reverse();
      }
    },
  };
}

async function decode<T>(codec: PayloadCodec, payloads: unknown): Promise<T | undefined> {
  const list = (payloads ?? []) as Payload[];
  if (list.length === 0) return undefined;
  const [first] = await codec.decode(list);
  return defaultPayloadConverter.fromPayload<T>(first as Payload);
}

/** The workflow's one argument, as recorded when the execution started. */
export async function startInput<T>(codec: PayloadCodec, history: History): Promise<T> {
  return (await decode<T>(codec, startedOf(history)?.input?.payloads)) as T;
}

/** The argument of the first signal of that name the execution took; undefined when it took none. */
export async function signalInput<T>(
  codec: PayloadCodec,
  history: History,
  name: string,
): Promise<T | undefined> {
  const signalled = (history.events ?? [])
    .map((event) => event.workflowExecutionSignaledEventAttributes)
    .find((attributes) => attributes?.signalName === name);
  return signalled ? decode<T>(codec, signalled.input?.payloads) : undefined;
}

/** The argument of the first update of that name the execution accepted; undefined when it accepted none. */
export async function updateInput<T>(
  codec: PayloadCodec,
  history: History,
  name: string,
): Promise<T | undefined> {
  const accepted = (history.events ?? [])
    .map((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input)
    .find((update) => update?.name === name);
  return accepted ? decode<T>(codec, accepted.args?.payloads) : undefined;
}

/** The execution's result, or null when it did not complete (failed, still running, continued as new). */
export async function workflowResult<T>(codec: PayloadCodec, history: History): Promise<T | null> {
  const events = history.events ?? [];
  const completed = events[events.length - 1]?.workflowExecutionCompletedEventAttributes;
  return completed ? ((await decode<T>(codec, completed.result?.payloads)) ?? null) : null;
}

export interface ActivityCall {
  type: string;
  /** undefined for a local activity: its marker records the result alone. */
  input: unknown;
  /** undefined when the activity never completed. */
  result: unknown;
}

/** The marker a local activity leaves in history (Temporal's core SDK names it so). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** A local activity's call from its marker: its type in `data`, its result (absent when it failed) in `result`. */
async function localActivityCall(
  codec: PayloadCodec,
  marker: temporal.api.history.v1.IMarkerRecordedEventAttributes,
): Promise<ActivityCall> {
  const data = await decode<{ activity_type?: string }>(codec, marker.details?.data?.payloads);
  return {
    type: data?.activity_type ?? '',
    input: undefined,
    result: marker.failure ? undefined : await decode(codec, marker.details?.result?.payloads),
  };
}

/**
 * Every activity the execution ran, in the order it was scheduled (a local one where its marker was recorded),
 * with the argument it got and the result recorded.
 */
export async function activityCalls(codec: PayloadCodec, history: History): Promise<ActivityCall[]> {
  const events = history.events ?? [];
  const results = new Map<string, HistoryEvent>();
  for (const event of events) {
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) results.set(String(completed.scheduledEventId), event);
  }
  const calls: ActivityCall[] = [];
  for (const event of events) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName === LOCAL_ACTIVITY_MARKER) calls.push(await localActivityCall(codec, marker));
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (!scheduled) continue;
    const completed = results.get(String(event.eventId))?.activityTaskCompletedEventAttributes;
    calls.push({
      type: scheduled.activityType?.name ?? '',
      input: await decode(codec, scheduled.input?.payloads),
      result: completed ? await decode(codec, completed.result?.payloads) : undefined,
    });
  }
  return calls;
}

/** The recorded results of every call of one activity type, in order. */
export async function resultsOf<T>(codec: PayloadCodec, history: History, type: string): Promise<T[]> {
  return (await activityCalls(codec, history))
    .filter((call) => call.type === type && call.result !== undefined)
    .map((call) => call.result as T);
}

/** Workflow ids the execution started as children or signalled: the histories it leads to. */
export function linkedWorkflowIds(history: History): string[] {
  const ids = new Set<string>();
  for (const event of history.events ?? []) {
    const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (child) ids.add(child);
    const signalled =
      event.signalExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId;
    if (signalled) ids.add(signalled);
  }
  return [...ids];
}

const eventDate = (event: HistoryEvent | undefined) =>
  new Date(Number(event?.eventTime?.seconds ?? 0) * 1000 + Math.floor((event?.eventTime?.nanos ?? 0) / 1e6));

/** From the first execution's start to the last one's close (or now, for one still running). */
export function executionWindow(executions: RecordedExecution[]): { after: Date; before: Date } {
  const first = executions[0]?.history.events ?? [];
  const last = executions[executions.length - 1]?.history.events ?? [];
  return {
    after: eventDate(first[0]),
    before: last.length > 1 ? eventDate(last[last.length - 1]) : new Date(),
  };
}

/** Replays each execution against the current workflow code; one that does not replay is a finding. */
export async function replayAll(
  executions: RecordedExecution[],
  codec: PayloadCodec,
  note: Note,
): Promise<number> {
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowsPath: require.resolve('../../workflows'), dataConverter: { payloadCodecs: [codec] } },
    executions.map((execution) => ({ workflowId: execution.workflowId, history: execution.history })),
  )) {
    replayed += 1;
    if (result.error)
      note('AUDIT_REPLAY_FAILED', `replay of ${result.workflowId} failed: ${result.error.message}`);
  }
  return replayed;
}
