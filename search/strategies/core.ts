/** The shape shared by the three strategies: seeds first, then draws of their own, dedup by the ledger. */
import type { DecisionSpace } from '../../contracts/genotypes.ts';
import { restoreRng, type Rng, type RngState } from '../../numeric/rng.ts';
import { type ProposalLedger, requireCount, validateObservations, type LedgerSnapshot } from './ledger.ts';
import type { Float64Tape, Snapshotting } from './snapshot.ts';
import { randomChoices } from './space.ts';
import type { Candidate, Observation, StrategyName } from './types.ts';

/** A strategy without the state log; recorded.ts adds that to every one. */
export interface CoreStrategy extends Snapshotting {
  readonly name: StrategyName;
  propose(count: number): Candidate[];
  observe(observations: Observation[]): void;
  summary(): Record<string, number | string>;
}

export interface LedgerStrategySnapshot {
  observed: number;
  proposed: number;
  rng: RngState;
  ledger: LedgerSnapshot;
}

/** Draws a uniform architecture this many times before concluding the space is exhausted. */
export const RANDOM_TRIES = 1000;

export abstract class LedgerStrategy implements CoreStrategy {
  abstract readonly name: StrategyName;
  protected observed = 0;
  /** Candidates handed out so far, seeds included. */
  protected proposed = 0;

  protected readonly space: DecisionSpace;
  protected readonly ledger: ProposalLedger;
  protected rng: Rng;
  constructor(space: DecisionSpace, ledger: ProposalLedger, rng: Rng) {
    this.space = space;
    this.ledger = ledger;
    this.rng = rng;
  }

  propose(count: number): Candidate[] {
    requireCount(count);
    const out = this.ledger.takeSeeds(count);
    this.proposed += out.length;
    while (out.length < count) {
      const choices = this.draw();
      if (!choices) break;
      out.push({ choices, fidelity: 0, origin: 'proposed' });
      this.proposed += 1;
    }
    return out;
  }

  observe(observations: Observation[]): void {
    validateObservations(this.space, observations, 1);
    observations.forEach((o) => this.ledger.note(o));
    this.observed += observations.length;
    this.learn(observations);
  }

  summary(): Record<string, number | string> {
    return { proposed: this.proposed, observed: this.observed, pendingSeeds: this.ledger.pendingSeeds };
  }

  snapshot(tape: Float64Tape): LedgerStrategySnapshot {
    return {
      observed: this.observed,
      proposed: this.proposed,
      rng: this.rng.state(),
      ledger: this.ledger.snapshot(tape),
    };
  }

  restore(state: LedgerStrategySnapshot, tape: Float64Tape): void {
    this.observed = state.observed;
    this.proposed = state.proposed;
    this.rng = restoreRng(state.rng);
    this.ledger.restore(state.ledger, tape);
  }

  /** A new architecture of the strategy's own choosing, claimed in the ledger; null when none is left. */
  protected abstract draw(): number[] | null;
  protected abstract learn(observations: Observation[]): void;

  protected drawUniform(): number[] | null {
    return this.ledger.fresh(() => randomChoices(this.space, this.rng), RANDOM_TRIES);
  }
}
