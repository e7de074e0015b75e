/**
 * A training's heartbeat between its progress reports. One step of a large network on a loaded
 * machine can outlast the activity's heartbeat timeout, so the last progress is repeated every
 * gap; a training that reports nothing for the stall limit is taken for hung and its heartbeats
 * stop, so that Temporal times the attempt out and retries it from its checkpoint.
 */
export interface HeartbeatPulse<T> {
  /** New progress: beats at once when the last beat is at least a gap old. */
  progressed(details: T): void;
  /** New progress that must reach the server now (a checkpoint was written). */
  beatNow(details: T): void;
  stop(): void;
}

export interface PulseOptions {
  gapMs: number;
  stallLimitMs: number;
  now?: () => number;
}

/** The repeat timer never runs more often than this, whatever the gap (tests beat on every report with a gap of 0). */
const SHORTEST_REPEAT_MS = 1000;

export function startHeartbeatPulse<T>(send: (details: T) => void, first: T, options: PulseOptions): HeartbeatPulse<T> {
  const now = options.now ?? Date.now;
  let latest = first;
  let progressedAt = now();
  let beatAt = -Infinity;
  const beat = () => {
    beatAt = now();
    send(latest);
  };
  beat();
  const repeat = setInterval(
    () => {
      if (now() - progressedAt < options.stallLimitMs && now() - beatAt >= options.gapMs) beat();
    },
    Math.max(options.gapMs, SHORTEST_REPEAT_MS),
  );
  return {
    progressed(details) {
      latest = details;
      progressedAt = now();
      if (progressedAt - beatAt >= options.gapMs) beat();
    },
    beatNow(details) {
      latest = details;
      progressedAt = now();
      beat();
    },
    stop: () => clearInterval(repeat),
  };
}
