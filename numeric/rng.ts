/**
 * Seeded, restorable random numbers for pure code (strategies run inside
 * Temporal's workflow sandbox). seedrandom's Alea generator is imported from
 * its own module: the package index pulls in Node's `crypto` for autoseeding,
 * which the workflow bundle must not contain.
 */
import alea from 'seedrandom/lib/alea.js';

export interface RngState {
  c: number;
  s0: number;
  s1: number;
  s2: number;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Plain JSON; restoreRng(state) continues the exact same stream. */
  state(): RngState;
}

function wrap(prng: ReturnType<typeof alea>): Rng {
  return {
    next: () => prng(),
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`rng.int: n must be a positive integer, got ${n}`);
      return Math.floor(prng() * n);
    },
    state: () => ({ ...prng.state() }),
  };
}

export function makeRng(seed: number | string): Rng {
  return wrap(alea(String(seed), { state: true }));
}

export function restoreRng(state: RngState): Rng {
  for (const key of ['c', 's0', 's1', 's2'] as const) {
    if (typeof state?.[key] !== 'number') throw new TypeError(`rng state: field ${key} must be a number`);
  }
  return wrap(alea('', { state: { ...state } }));
}
