/** The figures of bench/long-searches.ts, read from a search's histories (one per run) and its size samples. */
import { createRequire } from 'node:module';
import type { temporal } from '@temporalio/proto';

/** A CommonJS module whose named exports ESM cannot see. */
const proto = createRequire(import.meta.url)('@temporalio/proto') as typeof import('@temporalio/proto');

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const STRETCH = 500;
const EVERY = 1000;
/** The target: at trial 10,000 within 1.2x of trial 1,000. */
const GROWTH_LIMIT = 1.2;

export interface Window {
  upTo: number;
  trialsPerSecond: number;
  overheadMs: number;
  workflowTaskP50Ms: number;
  workflowTaskP95Ms: number;
  databaseMegabytes: number | null;
}

export interface RunFigures {
  events: number;
  bytes: number;
  /** The run's input: the request, and from the second run the carry with the strategy snapshot. */
  inputBytes: number;
}

export interface Target {
  target: string;
  value: number;
  met: boolean;
}

export interface LongSearchFigures {
  deployment: string;
  strategy: string;
  trials: number;
  parallel: number;
  wallSeconds: number;
  windows: Window[];
  runs: RunFigures[];
  targets: Target[];
  summary: Record<string, number | string>;
}

const millis = (event: HistoryEvent): number =>
  Number(event.eventTime!.seconds ?? 0) * 1000 + (event.eventTime!.nanos ?? 0) / 1e6;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function analyseRuns(input: {
  deployment: string;
  strategy: string;
  trials: number;
  parallel: number;
  histories: History[];
  samples: Array<{ trials: number; megabytes: number }>;
}): LongSearchFigures {
  const { histories, trials, parallel } = input;
  const events = histories.flatMap((h) => h.events ?? []);
  const start = millis(events[0]);
  const completions: number[] = [];
  const tasks: Array<{ at: number; ms: number }> = [];
  for (const history of histories) {
    const byId = new Map((history.events ?? []).map((e) => [Number(e.eventId), e]));
    for (const event of history.events ?? []) {
      const activity = event.activityTaskCompletedEventAttributes;
      const scheduled = activity && byId.get(Number(activity.scheduledEventId));
      if (scheduled?.activityTaskScheduledEventAttributes?.activityType?.name === 'trainTrial')
        completions.push(millis(event) - start);
      const task = event.workflowTaskCompletedEventAttributes;
      if (task)
        tasks.push({ at: millis(event) - start, ms: millis(event) - millis(byId.get(Number(task.scheduledEventId))!) });
    }
  }
  completions.sort((a, b) => a - b);
  const windows: Window[] = [];
  for (let upTo = EVERY; upTo <= completions.length; upTo += EVERY) {
    const from = completions[upTo - STRETCH - 1];
    const to = completions[upTo - 1];
    const latencies = tasks
      .filter((t) => t.at > from && t.at <= to)
      .map((t) => t.ms)
      .sort((a, b) => a - b);
    const sample = input.samples.find((s) => s.trials >= upTo);
    windows.push({
      upTo,
      trialsPerSecond: (STRETCH * 1000) / (to - from),
      overheadMs: ((to - from) * parallel) / STRETCH,
      workflowTaskP50Ms: quantile(latencies, 0.5),
      workflowTaskP95Ms: quantile(latencies, 0.95),
      databaseMegabytes: sample?.megabytes ?? null,
    });
  }
  const runs = histories.map((h) => {
    const first = h.events![0].workflowExecutionStartedEventAttributes!;
    return {
      events: h.events!.length,
      bytes: proto.temporal.api.history.v1.History.encode(h).finish().length,
      inputBytes: proto.temporal.api.common.v1.Payloads.encode(first.input ?? {}).finish().length,
    };
  });
  const at = (n: number) => windows.find((w) => w.upTo === n);
  const targets: Target[] = [];
  const early = at(EVERY);
  const late = at(trials);
  const label = `${input.deployment}, ${input.strategy}`;
  if (early && late && trials > EVERY) {
    const overheadGrowth = late.overheadMs / early.overheadMs;
    const taskGrowth = late.workflowTaskP50Ms / early.workflowTaskP50Ms;
    targets.push({
      target: `${label}: overhead per trial at trial ${trials} / at trial ${EVERY} <= ${GROWTH_LIMIT}`,
      value: overheadGrowth,
      met: overheadGrowth <= GROWTH_LIMIT,
    });
    targets.push({
      target: `${label}: median workflow task latency at trial ${trials} / at trial ${EVERY} <= ${GROWTH_LIMIT}`,
      value: taskGrowth,
      met: taskGrowth <= GROWTH_LIMIT,
    });
  }
  const wallSeconds = (millis(events[events.length - 1]) - start) / 1000;
  return {
    deployment: input.deployment,
    strategy: input.strategy,
    trials,
    parallel,
    wallSeconds,
    windows,
    runs,
    targets,
    summary: {
      search: label,
      trials: completions.length,
      wallSeconds: Number(wallSeconds.toFixed(1)),
      runs: runs.length,
      lastInputMB: Number((runs[runs.length - 1].inputBytes / 1e6).toFixed(2)),
    },
  };
}
