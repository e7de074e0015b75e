/**
 * Regularized (aging) evolution, Real et al. 2019: the first P proposals are
 * uniform (seed architectures first); after that a child is the best of S
 * individuals sampled with replacement from the population, with one decision
 * changed to a different value. Every result joins the population and the
 * oldest member leaves. Failed candidates (reward null) never join.
 */
import type { DecisionSpace } from '../../contracts/genotypes.ts';
import type { Rng } from '../../numeric/rng.ts';
import { LedgerStrategy, type LedgerStrategySnapshot } from './core.ts';
import type { ProposalLedger } from './ledger.ts';
import type { Float64Tape } from './snapshot.ts';
import type { Observation } from './types.ts';

export interface EvolutionSettings {
  population: number;
  sample: number;
}

/** Tournaments + mutations tried before a uniform draw replaces a child that repeats a known architecture. */
const MUTATION_TRIES = 100;

interface Individual {
  choices: number[];
  reward: number;
}

interface EvolutionSnapshot extends LedgerStrategySnapshot {
  /** Oldest first, as "<choices as text> <reward>". */
  population: string[];
  uniformFallbacks: number;
}

export class EvolutionStrategy extends LedgerStrategy {
  readonly name = 'evolution' as const;
  private population: Individual[] = [];
  private readonly mutable: number[];
  private uniformFallbacks = 0;

  private readonly settings: EvolutionSettings;
  constructor(space: DecisionSpace, ledger: ProposalLedger, rng: Rng, settings: EvolutionSettings) {
    super(space, ledger, rng);
    this.settings = settings;
    this.mutable = space.decisions.flatMap((d, i) => (d.size > 1 ? [i] : []));
  }

  protected draw(): number[] | null {
    if (this.proposed < this.settings.population || this.population.length === 0) return this.drawUniform();
    const child = this.ledger.fresh(() => this.mutate(this.tournament()), MUTATION_TRIES);
    if (child) return child;
    this.uniformFallbacks += 1;
    return this.drawUniform();
  }

  protected learn(observations: Observation[]): void {
    for (const { choices, reward } of observations) {
      if (reward === null) continue;
      this.population.push({ choices: choices.slice(), reward });
      if (this.population.length > this.settings.population) this.population.shift();
    }
  }

  summary(): Record<string, number | string> {
    const rewards = this.population.map((p) => p.reward);
    return {
      ...super.summary(),
      population: this.population.length,
      populationBest: rewards.length ? Math.max(...rewards) : 'none',
      populationMean: rewards.length ? rewards.reduce((a, b) => a + b, 0) / rewards.length : 'none',
      uniformFallbacks: this.uniformFallbacks,
    };
  }

  snapshot(tape: Float64Tape): EvolutionSnapshot {
    const population = this.population.map((p) => `${this.ledger.codec.toText(p.choices)} ${p.reward}`);
    return { ...super.snapshot(tape), population, uniformFallbacks: this.uniformFallbacks };
  }

  restore(state: EvolutionSnapshot, tape: Float64Tape): void {
    super.restore(state, tape);
    this.population = state.population.map((entry, i) => {
      const [text, reward] = entry.split(' ');
      return {
        choices: this.ledger.codec.fromText(text, `strategy snapshot: population[${i}]`),
        reward: Number(reward),
      };
    });
    this.uniformFallbacks = state.uniformFallbacks;
  }

  private tournament(): Individual {
    let best: Individual | null = null;
    for (let k = 0; k < this.settings.sample; k++) {
      const candidate = this.population[this.rng.int(this.population.length)];
      if (!best || candidate.reward > best.reward) best = candidate;
    }
    return best!;
  }

  private mutate(parent: Individual): number[] {
    const child = parent.choices.slice();
    if (this.mutable.length === 0) return child;
    const position = this.mutable[this.rng.int(this.mutable.length)];
    const other = this.rng.int(this.space.decisions[position].size - 1);
    child[position] = other >= child[position] ? other + 1 : other;
    return child;
  }
}
