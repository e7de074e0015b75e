/**
 * Where a workflow's time goes, read from its Temporal history: per activity type its count, its
 * wait in the task queue (scheduled to started) and its run (started to completed); and the
 * workflow tasks (scheduled to completed). Times from the history's event timestamps.
 */
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface Span {
  name: string;
  count: number;
  /** Mean milliseconds from scheduled to started (time in the task queue). */
  queuedMs: number;
  /** Mean milliseconds from started to completed. */
  runMs: number;
}

const millis = (event: HistoryEvent): number => {
  const t = event.eventTime!;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
};

export function traceHistory(history: History): Span[] {
  const events = history.events ?? [];
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const spans = new Map<string, { count: number; queued: number; run: number }>();
  const add = (name: string, scheduled: HistoryEvent, started: HistoryEvent, completed: HistoryEvent) => {
    const span = spans.get(name) ?? { count: 0, queued: 0, run: 0 };
    span.count += 1;
    span.queued += millis(started) - millis(scheduled);
    span.run += millis(completed) - millis(started);
    spans.set(name, span);
  };
  for (const event of events) {
    const activity = event.activityTaskCompletedEventAttributes;
    if (activity) {
      const scheduled = byId.get(Number(activity.scheduledEventId))!;
      add(
        scheduled.activityTaskScheduledEventAttributes!.activityType!.name!,
        scheduled,
        byId.get(Number(activity.startedEventId))!,
        event,
      );
    }
    const task = event.workflowTaskCompletedEventAttributes;
    if (task)
      add('workflow task', byId.get(Number(task.scheduledEventId))!, byId.get(Number(task.startedEventId))!, event);
  }
  return [...spans].map(([name, s]) => ({
    name,
    count: s.count,
    queuedMs: s.queued / s.count,
    runMs: s.run / s.count,
  }));
}
