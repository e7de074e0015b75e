/**
 * What every strategy does the same way: seed architectures go out first,
 * and with dedup on no architecture (canonical form) is proposed twice or
 * proposed after it was observed.
 */
import type { DecisionSpace } from '../../cells/types';
import { ChoiceCodec, validateChoices } from './space';
import type { Candidate, Observation } from './types';

export class ProposalLedger {
  readonly codec: ChoiceCodec;
  private readonly seen = new Set<string>();
  private readonly seeds: number[][];

  constructor(
    private readonly space: DecisionSpace,
    private readonly dedup: boolean,
    seedArchitectures: readonly number[][],
  ) {
    this.codec = new ChoiceCodec(space);
    this.seeds = seedArchitectures.map((s, i) => validateChoices(space, s, `strategy.seedArchitectures[${i}]`).slice());
  }

  get seenCount(): number {
    return this.seen.size;
  }

  get pendingSeeds(): number {
    return this.seeds.length;
  }

  /** Up to `count` seed candidates not seen before, in the order given. */
  takeSeeds(count: number): Candidate[] {
    const out: Candidate[] = [];
    while (out.length < count && this.seeds.length > 0) {
      const choices = this.seeds.shift()!;
      if (this.claim(choices)) out.push({ choices, fidelity: 0, origin: 'seed' });
    }
    return out;
  }

  /** The first of up to `tries` draws that is new (any draw when dedup is off), claimed; null when all repeat. */
  fresh(draw: () => number[], tries: number): number[] | null {
    for (let k = 0; k < tries; k++) {
      const choices = draw();
      if (this.claim(choices)) return choices;
    }
    return null;
  }

  /** Records an already validated observation's architecture as seen. */
  note(observation: Observation): void {
    if (this.dedup) this.seen.add(this.codec.canonicalKey(observation.choices));
  }

  private claim(choices: number[]): boolean {
    if (!this.dedup) return true;
    const key = this.codec.canonicalKey(choices);
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}

export function requireCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`propose: count must be a non-negative integer, got ${count}`);
}

/** Checks every observation before any is used; fidelity levels must be below `levels`. */
export function validateObservations(space: DecisionSpace, observations: unknown, levels: number): Observation[] {
  if (!Array.isArray(observations)) throw new TypeError('observe: observations must be an array');
  observations.forEach((observation: Observation, i) => {
    const field = `observations[${i}]`;
    validateChoices(space, observation?.choices, `${field}.choices`);
    const { fidelity, reward } = observation;
    if (!Number.isInteger(fidelity) || fidelity < 0 || fidelity >= levels) {
      const allowed = levels === 1 ? 'must be 0 (no successive halving)' : `must be an integer in [0, ${levels - 1}]`;
      throw new RangeError(`${field}.fidelity: ${allowed}, got ${JSON.stringify(fidelity)}`);
    }
    if (reward !== null && !(typeof reward === 'number' && Number.isFinite(reward))) {
      throw new RangeError(`${field}.reward: must be a finite number or null, got ${JSON.stringify(reward)}`);
    }
  });
  return observations;
}
