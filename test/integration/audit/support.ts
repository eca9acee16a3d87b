import { defaultPayloadConverter } from '@temporalio/common';
import type { PayloadCodec } from '@temporalio/common';
import type { History, HistorySource } from '../../../server/audit/histories';

/** A history source that alters the first execution of one workflow id as it is read (Temporal's stays as it is). */
export function tamperedHistories(
  source: HistorySource,
  workflowId: string,
  alter: (history: History) => Promise<void>,
): HistorySource {
  return {
    async executions(id) {
      const executions = await source.executions(id);
      if (id === workflowId && executions[0]) await alter(executions[0].history);
      return executions;
    },
  };
}

const encoded = async (codec: PayloadCodec, value: unknown) => ({
  payloads: await codec.encode([defaultPayloadConverter.toPayload(value)]),
});

/** Rewrites the execution's start input. */
export function alterStartInput<T>(codec: PayloadCodec, change: (input: T) => T) {
  return async (history: History) => {
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    if (!started?.input?.payloads) throw new Error('no start input');
    const [payload] = await codec.decode(started.input.payloads as never);
    started.input = await encoded(codec, change(defaultPayloadConverter.fromPayload<T>(payload!)));
  };
}

/** Rewrites the argument of the first signal of that name the execution took. */
export function alterSignalInput<T>(codec: PayloadCodec, name: string, change: (input: T) => T) {
  return async (history: History) => {
    const signalled = (history.events ?? [])
      .map((event) => event.workflowExecutionSignaledEventAttributes)
      .find((attributes) => attributes?.signalName === name);
    if (!signalled?.input?.payloads) throw new Error(`no ${name} signal`);
    const [payload] = await codec.decode(signalled.input.payloads as never);
    signalled.input = await encoded(codec, change(defaultPayloadConverter.fromPayload<T>(payload!)));
  };
}

/** Rewrites the recorded result of the first call of an activity type. */
export function alterActivityResult(codec: PayloadCodec, type: string, result: unknown) {
  return async (history: History) => {
    const events = history.events ?? [];
    const scheduled = events.find(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === type,
    );
    const completed = events.find(
      (event) =>
        String(event.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
    )?.activityTaskCompletedEventAttributes;
    if (!completed) throw new Error(`no completed ${type}`);
    completed.result = await encoded(codec, result);
  };
}

/** Renames the first scheduled activity of a type: the workflow code no longer schedules what history says. */
export function renameActivity(type: string, to: string) {
  return async (history: History) => {
    const scheduled = (history.events ?? []).find(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === type,
    )?.activityTaskScheduledEventAttributes;
    if (!scheduled?.activityType) throw new Error(`no scheduled ${type}`);
    scheduled.activityType.name = to;
  };
}

/** Rewrites the execution's recorded result (its completion event). */
export function alterResult<T>(codec: PayloadCodec, change: (result: T) => T) {
  return async (history: History) => {
    const events = history.events ?? [];
    const completed = events[events.length - 1]?.workflowExecutionCompletedEventAttributes;
    if (!completed?.result?.payloads) throw new Error('no result');
    const [payload] = await codec.decode(completed.result.payloads as never);
    completed.result = await encoded(codec, change(defaultPayloadConverter.fromPayload<T>(payload!)));
  };
}

/** Rewrites the argument of the first call of an activity type. */
export function alterActivityInput<T>(codec: PayloadCodec, type: string, change: (input: T) => T) {
  return async (history: History) => {
    const scheduled = (history.events ?? []).find(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === type,
    )?.activityTaskScheduledEventAttributes;
    if (!scheduled?.input?.payloads) throw new Error(`no scheduled ${type}`);
    const [payload] = await codec.decode(scheduled.input.payloads as never);
    scheduled.input = await encoded(codec, change(defaultPayloadConverter.fromPayload<T>(payload!)));
  };
}

/** A history source that has lost every history of one workflow id. */
export function withoutHistory(source: HistorySource, workflowId: string): HistorySource {
  return { executions: async (id) => (id === workflowId ? [] : source.executions(id)) };
}
