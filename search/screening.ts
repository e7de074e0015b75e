/**
 * Screening (`--screen`): which of the scored proposals a search trains. Pure, for the workflow.
 */

/** Proposals in one screening activity: a few seconds of proxies each, heartbeats between them. */
export const SCREEN_BATCH_SIZE = 8;

/**
 * Indices of the `count` best scores, best first: higher first, undefined scores (null, e.g. a
 * proxy that overflowed) last, equal scores in proposal order.
 */
export function bestByScore(scores: ReadonlyArray<number | null>, count: number): number[] {
  const key = (i: number) => scores[i] ?? -Infinity;
  return scores
    .map((_, i) => i)
    .sort((a, b) => {
      const [ka, kb] = [key(a), key(b)];
      if (ka !== kb) return kb > ka ? 1 : -1;
      if ((scores[a] === null) !== (scores[b] === null)) return scores[a] === null ? 1 : -1;
      return a - b;
    })
    .slice(0, count);
}

/** Consecutive slices of at most `size` items. */
export function inBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/**
 * How many of the `candidates` proposals trial `index` of `trials` is chosen from when each trial
 * is screened on its own (evolution): their shares differ by at most 1 and add up to `candidates`.
 */
export function candidatesOfTrial(index: number, candidates: number, trials: number): number {
  return Math.floor(((index + 1) * candidates) / trials) - Math.floor((index * candidates) / trials);
}
