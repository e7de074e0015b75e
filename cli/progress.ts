/** One status line for a running search: trials done/total, best accuracy, ETA. */
import type { SearchProgress } from '../workflows/signals.ts';
import { duration } from '../numeric/number-text.ts';

const SETTLED_STATES = ['succeeded', 'failed', 'diverged', 'over_budget', 'reused', 'cancelled'] as const;

export function settledCount(progress: SearchProgress): number {
  return SETTLED_STATES.reduce((sum, state) => sum + (progress.counts[state] ?? 0), 0);
}

/** Without `elapsedSeconds`, the line has no timing (a status report, not a running follow). */
export function progressLine(progress: SearchProgress, elapsedSeconds?: number): string {
  const done = settledCount(progress);
  const width = 20;
  const filled = Math.round((done / Math.max(1, progress.trials)) * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const best = progress.best ? `best val ${(progress.best.valAccuracy * 100).toFixed(2)}%` : 'best val -';
  const failed = (progress.counts.failed ?? 0) + (progress.counts.diverged ?? 0);
  const finalizing =
    progress.strategy.stage === 'finalizing' ? `, final evaluation ${progress.strategy.finalId} running` : '';
  const state =
    (progress.stopping ? ', stopping' : progress.paused ? ', paused' : '') + finalizing + screening(progress);
  return (
    `${bar} ${done}/${progress.trials} trials, ${progress.running.length} running` +
    `${failed ? `, ${failed} failed` : ''}, ${best}${state}${timing(done, progress.trials, elapsedSeconds)}`
  );
}

/** ", synflow scored 8/40 proposals" while a screening search (`--screen`) scores what it will train. */
function screening(progress: SearchProgress): string {
  const { screen, screenScored, screenCandidates } = progress.strategy;
  if (screen === undefined || screenScored === screenCandidates) return '';
  return `, ${screen} scored ${screenScored}/${screenCandidates} proposals`;
}

/** ", elapsed 1m05s, ETA 3m20s": always last, so that followers can compare lines without it. */
function timing(done: number, total: number, elapsedSeconds: number | undefined): string {
  if (elapsedSeconds === undefined) return '';
  const eta = done > 0 && done < total ? duration((elapsedSeconds / done) * (total - done)) : '?';
  return `, elapsed ${duration(elapsedSeconds)}, ETA ${eta}`;
}
