/**
 * A bound on the markers a chart draws: past a few thousand points a reader sees a cloud, while
 * the page grows by every marker (SVG, hover text, link). Charts draw every point they must keep
 * (a new best, a point of the Pareto front) and a fixed pseudo-random sample of the rest.
 */

/** Markers a chart of results draws at most, beyond the points it must keep. */
export const MAX_DRAWN_POINTS = 1000;

/** FNV-1a of the key: the same item gets the same rank on every render, so the sample stays put as results arrive. */
function rank(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * Every item `mustKeep` marks and, up to `limit` in all, those of the rest with the lowest rank
 * of their key; in the order given. All of them when there are at most `limit`.
 */
export function boundedSample<T>(
  items: T[],
  limit: number,
  key: (item: T) => string,
  mustKeep: (item: T) => boolean,
): T[] {
  if (items.length <= limit) return items;
  const kept = new Set(items.filter(mustKeep));
  const room = Math.max(0, limit - kept.size);
  const sampled = new Set(
    items
      .filter((item) => !kept.has(item))
      .map((item) => ({ item, rank: rank(key(item)) }))
      .sort((a, b) => a.rank - b.rank)
      .slice(0, room)
      .map(({ item }) => item),
  );
  return items.filter((item) => kept.has(item) || sampled.has(item));
}

/** " 1,000 of 10,000 results shown: …" for a caption, or nothing when every point is drawn. */
export function sampleNote(drawn: number, total: number, kept: string, noun = 'results'): string {
  if (drawn >= total) return '';
  return ` ${drawn.toLocaleString('en')} of ${total.toLocaleString('en')} ${noun} shown: ${kept} and a fixed sample of the rest.`;
}
