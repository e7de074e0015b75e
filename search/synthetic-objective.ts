/**
 * A cheap synthetic objective with a known optimum, to prove that the
 * learning strategies learn, and the quality behind the simulated trainer's
 * accuracies (search/simulated-training.ts). It is a test and benchmark
 * device, not a result about architectures.
 *
 * Built from a seed over any DecisionSpace (the bench uses the real NASNet
 * space), and evaluated on canonical choices so that equal architectures
 * score equally. Decisions with a single value (NASNet's combination when
 * only 'add' is offered) are no choice and are left out of every term. For
 * the others:
 * - decisions of the same kind (space.ts decisionKind: every op decision, the
 *   input decisions of blocks with the same number of inputs, ...) share a
 *   best value, drawn at random: like sep convs being good anywhere in a
 *   cell. The target is the sequence of best values, redrawn until it is
 *   its own canonical form;
 * - quality q_i(v) = 1 for the best value; every other value gets
 *   (G_kind(v) + L_i(v)) / 2, where G_kind is a random permutation, shared by
 *   the kind, and L_i a random permutation for position i alone, of the evenly
 *   spaced grades SYNTHETIC.floor .. SYNTHETIC.ceil (0.5 .. 0.9): the ranking
 *   of the other values is partly global, partly local;
 * - per decision a weight w_i uniform in [0.5, 1.5];
 * - each decision interacts with the next one in the sequence (within a
 *   NASNet block: input with input, input with op, op with op) through
 *   v * q_i * q_(i+1), v = 0.5.
 * score = (sum_i w_i q_i + sum_i v q_i q_(i+1)) / (sum_i w_i + sum_i v), in
 * [0, 1]; it is 1 only at the target (every term reaches its weight only when
 * every decision takes its best value).
 */
import type { DecisionSpace } from '../contracts/genotypes.ts';
import { makeRng, type Rng } from '../numeric/rng.ts';
import { decisionKind } from './strategies/space.ts';

export interface SyntheticObjective {
  /** Canonical target choices; score(target) = 1, the optimum. */
  target: number[];
  optimum: 1;
  score(choices: readonly number[]): number;
}

/**
 * floor/ceil: the grades of non-best values. 0.5..0.9 says most choices are
 * workable and one is best, as in real cell spaces. (With 0.3..0.9, 300
 * trials leave evolution below the 90% line in 6 of 10 seeds.)
 */
export const SYNTHETIC = { floor: 0.5, ceil: 0.9, interaction: 0.5 } as const;

export function syntheticObjective(space: DecisionSpace, seed: number | string): SyntheticObjective {
  const rng = makeRng(`synthetic-objective/${seed}`);
  const active = space.decisions.flatMap((d, i) => (d.size > 1 ? [i] : []));
  // Kinds' best values are redrawn until their sequence is canonical (EfficientNet's phi = 0 erases the coefficients).
  let kinds = new Map<string, { best: number; global: number[] }>();
  const bestOf = () =>
    space.decisions.map((d) => {
      const key = decisionKind(d);
      if (!kinds.has(key)) kinds.set(key, { best: rng.int(d.size), global: shuffledGrades(d.size - 1, rng) });
      return kinds.get(key)!.best;
    });
  let best = bestOf();
  for (let attempt = 0; space.encode(space.decode(best)).join() !== best.join(); attempt++) {
    if (attempt === 100) throw new Error(`synthetic objective: found no canonical target in space ${space.id}`);
    kinds = new Map();
    best = bestOf();
  }
  const target = best;
  const quality: number[][] = space.decisions.map((d) => {
    const { best: top, global } = kinds.get(decisionKind(d))!;
    const local = shuffledGrades(d.size - 1, rng);
    const others = global.map((g, k) => (g + local[k]) / 2);
    others.splice(top, 0, 1);
    return others;
  });
  const weights = active.map(() => 0.5 + rng.next());
  const total = weights.reduce((a, b) => a + b, 0) + SYNTHETIC.interaction * (active.length - 1);
  const score = (choices: readonly number[]): number => {
    const canonical = space.encode(space.decode(choices));
    const q = active.map((i) => quality[i][canonical[i]]);
    let sum = 0;
    for (let k = 0; k < q.length; k++) {
      sum += weights[k] * q[k];
      if (k + 1 < q.length) sum += SYNTHETIC.interaction * q[k] * q[k + 1];
    }
    return sum / total;
  };
  if (Math.abs(score(target) - 1) > 1e-12)
    throw new Error(`synthetic objective: score(target) is ${score(target)}, not 1`);
  return { target, optimum: 1, score };
}

/** n evenly spaced grades in [floor, ceil], randomly permuted. */
function shuffledGrades(n: number, rng: Rng): number[] {
  const grades = Array.from({ length: n }, (_, k) =>
    n === 1 ? SYNTHETIC.floor : SYNTHETIC.floor + ((SYNTHETIC.ceil - SYNTHETIC.floor) * k) / (n - 1),
  );
  for (let k = n - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    [grades[k], grades[j]] = [grades[j], grades[k]];
  }
  return grades;
}
