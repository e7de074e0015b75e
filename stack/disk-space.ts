/**
 * The owner of a home records results on the disk that holds it. Writes that fail for want of
 * space are retried by Temporal without end (a search stood at 1235/5000 for 6 minutes, silent),
 * so the owner stops before that: below MIN_FREE_BYTES it ends with one line naming the home and
 * the space it needs. What was recorded stays recorded; `nas search resume` goes on from there.
 */
import { existsSync, realpathSync, statfsSync } from 'node:fs';
import { RequestError } from '../contracts/request-error.ts';

export const MIN_FREE_BYTES = 64 * 2 ** 20;
const CHECK_EVERY_MS = 1_000;

export function freeBytes(path: string): number {
  const stats = statfsSync(path);
  return stats.bavail * stats.bsize;
}

export function lowDiskError(home: string, free: number): RequestError {
  const mb = (bytes: number) => `${Math.floor(bytes / 2 ** 20)} MB`;
  return new RequestError(
    'NAS_HOME',
    `the disk holding ${home} has ${mb(free)} free; the stack needs at least ${mb(MIN_FREE_BYTES)} there to record results: free ${mb(MIN_FREE_BYTES - free)} or more, then \`nas search resume <id>\` (what was recorded is kept)`,
  );
}

/** Refuses to start an owner on a disk that is already too full. */
export function requireDiskSpace(home: string): void {
  const free = freeBytes(home);
  if (free < MIN_FREE_BYTES) throw lowDiskError(home, free);
}

/** Rejects once the disk holding `home` runs low; stop() ends the watch. */
export function watchDiskSpace(home: string): { low: Promise<never>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const low = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const free = freeBytes(home);
      if (free >= MIN_FREE_BYTES) return;
      clearInterval(timer);
      reject(lowDiskError(home, free));
    }, CHECK_EVERY_MS);
    timer.unref();
  });
  low.catch(() => {}); // observed by whoever follows the stack; unobserved otherwise
  return { low, stop: () => clearInterval(timer) };
}

/**
 * The full-disk error of the embedded home when its disk is below MIN_FREE_BYTES now, else null:
 * a command whose Temporal or database call failed because the disk filled (a signal, a start)
 * ends with that line, as one that saw the owner's watch fire does.
 */
export function fullHomeDiskError(env: NodeJS.ProcessEnv = process.env): RequestError | null {
  if (env.TEMPORAL_ADDRESS) return null;
  const home = env.NAS_HOME || '.nas';
  if (!existsSync(home)) return null;
  const real = realpathSync(home);
  const free = freeBytes(real);
  return free < MIN_FREE_BYTES ? lowDiskError(real, free) : null;
}
