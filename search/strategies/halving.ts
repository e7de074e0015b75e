/**
 * Asynchronous successive halving (ASHA, Li et al. 2020) around any strategy.
 * Rung k holds the candidates evaluated at fidelity level k. On each proposal
 * slot, from the highest rung below the top down to rung 0: a candidate in the
 * top floor(n/eta) of its rung's n results that was not promoted yet is
 * promoted to the next level. Only when no promotion is due does the wrapped
 * strategy propose a new candidate, which enters rung 0. So it never waits.
 *
 * The wrapped strategy sees only rung-0 results, all under one protocol, so
 * its learning signal never mixes budgets. A failed result (reward null)
 * counts towards n and is never promoted.
 */
import type { DecisionSpace } from '../../cells/types';
import type { CoreStrategy } from './core';
import { requireCount, validateObservations } from './ledger';
import { ChoiceCodec } from './space';
import type { Candidate, Observation } from './types';

interface RungEntry {
  text: string;
  choices: number[];
  origin: Candidate['origin'];
  /** undefined while pending. */
  reward?: number | null;
  promoted: boolean;
}

export class HalvingStrategy implements CoreStrategy {
  private readonly rungs: RungEntry[][];
  private readonly codec: ChoiceCodec;

  constructor(
    private readonly base: CoreStrategy,
    private readonly space: DecisionSpace,
    private readonly eta: number,
    private readonly levels: number,
  ) {
    this.rungs = Array.from({ length: levels }, () => []);
    this.codec = new ChoiceCodec(space);
  }

  get name() {
    return this.base.name;
  }

  propose(count: number): Candidate[] {
    requireCount(count);
    const out: Candidate[] = [];
    while (out.length < count) {
      const promotion = this.nextPromotion();
      if (!promotion) break;
      out.push(promotion);
    }
    if (out.length < count) {
      for (const candidate of this.base.propose(count - out.length)) {
        this.rungs[0].push({ text: this.codec.toText(candidate.choices), choices: candidate.choices, origin: candidate.origin, promoted: false });
        out.push(candidate);
      }
    }
    return out;
  }

  observe(observations: Observation[]): void {
    validateObservations(this.space, observations, this.levels);
    for (const { choices, fidelity, reward } of observations) {
      const text = this.codec.toText(choices);
      const rung = this.rungs[fidelity];
      const pending = rung.find((e) => e.text === text && e.reward === undefined);
      if (pending) pending.reward = reward;
      else rung.push({ text, choices: choices.slice(), origin: 'proposed', reward, promoted: false });
    }
    const bottom = observations.filter((o) => o.fidelity === 0);
    if (bottom.length > 0) this.base.observe(bottom);
  }

  summary(): Record<string, number | string> {
    const out: Record<string, number | string> = { ...this.base.summary(), eta: this.eta, levels: this.levels };
    this.rungs.forEach((rung, k) => {
      out[`rung${k}Results`] = rung.filter((e) => e.reward !== undefined).length;
      out[`rung${k}Pending`] = rung.filter((e) => e.reward === undefined).length;
    });
    const top = this.rungs[this.levels - 1].flatMap((e) => (typeof e.reward === 'number' ? [e.reward] : []));
    out.bestFullFidelity = top.length ? Math.max(...top) : 'none';
    return out;
  }

  private nextPromotion(): Candidate | null {
    for (let k = this.levels - 2; k >= 0; k--) {
      const done = this.rungs[k].filter((e) => e.reward !== undefined);
      const quota = Math.floor(done.length / this.eta);
      if (quota === 0) continue;
      // Stable sort: ties keep the order results arrived in.
      const ranked = done.filter((e) => e.reward !== null).sort((a, b) => (b.reward as number) - (a.reward as number));
      const entry = ranked.slice(0, quota).find((e) => !e.promoted);
      if (!entry) continue;
      entry.promoted = true;
      const choices = entry.choices.slice();
      this.rungs[k + 1].push({ text: entry.text, choices, origin: 'promoted', promoted: false });
      return { choices: choices.slice(), fidelity: k + 1, origin: 'promoted' };
    }
    return null;
  }
}
