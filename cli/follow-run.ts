/**
 * Following a run of the trial pool (final evaluation, reference build) from the command that
 * waits for it: a progress line on stderr until it ends; Ctrl-C detaches, twice stops it (follow.ts).
 */
import { progressQuery, stopSignal } from '../workflows/signals.ts';
import { nasHome, type Stack } from '../stack/embedded.ts';
import { followUntilInterrupted } from './follow.ts';
import { unlessStackFails } from './unless-stack-fails.ts';
import { progressLine } from './progress.ts';
import { queryWithin } from './live-query.ts';

export async function followPoolRun<T>(
  stack: Stack,
  runId: string,
  quietIntervalMs: number,
  /** The command that continues the run if its stack fails. */
  continueWith: string,
): Promise<T> {
  const handle = (await stack.client()).workflow.getHandle(runId);
  const started = Date.now();
  const tty = process.stderr.isTTY;
  const timer = setInterval(
    () => {
      void queryWithin(handle, progressQuery)
        .then((progress) => {
          const line = progressLine(progress, (Date.now() - started) / 1000);
          process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
        })
        .catch(() => undefined);
    },
    tty ? 1000 : quietIntervalMs,
  );
  try {
    const result = unlessStackFails(stack, handle.result() as Promise<T>, runId, continueWith);
    return await followUntilInterrupted(result, {
      searchId: runId,
      ownsStack: stack.mode === 'owner',
      home: nasHome(),
      stop: () => handle.signal(stopSignal),
    });
  } finally {
    clearInterval(timer);
    if (tty) process.stderr.write('\n');
  }
}

/** "3 succeeded, 1 failed": the trial states a run ended with, zeros left out. */
export function describeCounts(counts: Partial<Record<string, number>>): string {
  return (
    Object.entries(counts)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ') || 'no trainings'
  );
}
