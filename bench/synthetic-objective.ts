/**
 * A cheap synthetic objective with a known optimum, to prove that the
 * learning strategies learn. It is a test device, not a result about
 * architectures.
 *
 * Built from a seed over any DecisionSpace (the bench uses the real NASNet
 * space), on canonical choices so that equal architectures score equally:
 * - a hidden target: the canonical form of a uniformly drawn choice sequence;
 * - per decision i, a quality q_i(v) for every value v: the target value gets
 *   1, the others a random permutation of the evenly spaced grades
 *   0, 1/(n-1), ..., (n-2)/(n-1) (so every decision has a graded landscape
 *   with a unique best value, like ops of different merit);
 * - per decision a weight w_i uniform in [0.5, 1.5] (decisions matter
 *   unequally);
 * - pairwise interactions: each decision interacts with the next one in the
 *   sequence (within a NASNet block: input with input, input with op, op with
 *   op, op with combination) through v * q_i * q_(i+1), v = 0.5.
 * score = (sum_i w_i q_i + sum_i v q_i q_(i+1)) / (sum_i w_i + sum_i v), in
 * [0, 1], equal to 1 exactly at the target's canonical class: every term is
 * at most its weight and reaches it only when every decision takes its
 * target value.
 */
import type { DecisionSpace } from '../cells/types';
import { makeRng } from '../search/rng';

export interface SyntheticObjective {
  /** Canonical target choices; score(target) = 1, the optimum. */
  target: number[];
  optimum: 1;
  score(choices: readonly number[]): number;
}

const INTERACTION = 0.5;

export function syntheticObjective(space: DecisionSpace, seed: number | string): SyntheticObjective {
  const rng = makeRng(`synthetic-objective/${seed}`);
  const raw = space.decisions.map((d) => rng.int(d.size));
  const target = space.encode(space.decode(raw));
  const quality = space.decisions.map((d, i) => {
    const grades = Array.from({ length: d.size - 1 }, (_, k) => (d.size === 1 ? 1 : k / (d.size - 1)));
    for (let k = grades.length - 1; k > 0; k--) {
      const j = rng.int(k + 1);
      [grades[k], grades[j]] = [grades[j], grades[k]];
    }
    grades.splice(target[i], 0, 1);
    return grades;
  });
  const weights = space.decisions.map(() => 0.5 + rng.next());
  const total = weights.reduce((a, b) => a + b, 0) + INTERACTION * (space.decisions.length - 1);
  const score = (choices: readonly number[]): number => {
    const canonical = space.encode(space.decode(choices));
    const q = canonical.map((v, i) => quality[i][v]);
    let sum = 0;
    for (let i = 0; i < q.length; i++) {
      sum += weights[i] * q[i];
      if (i + 1 < q.length) sum += INTERACTION * q[i] * q[i + 1];
    }
    return sum / total;
  };
  return { target, optimum: 1, score };
}
