/**
 * tfjs draws an unseeded op's seed from Math.random (weight initialisers,
 * dropout masks). Running a synchronous piece of tfjs code with Math.random
 * temporarily replaced by a seeded generator makes those draws reproducible
 * without touching the layers. Only for synchronous `fn`: nothing else can
 * run while it holds the replacement.
 */
import seedrandom from 'seedrandom';

export function withSeededMathRandom<T>(seed: string, fn: () => T): T {
  const original = Math.random;
  Math.random = seedrandom(seed);
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('withSeededMathRandom: fn must be synchronous');
    return result;
  } finally {
    Math.random = original;
  }
}
