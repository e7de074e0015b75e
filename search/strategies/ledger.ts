/**
 * What every strategy does the same way: seed architectures go out first,
 * and with dedup on no architecture (canonical form) is proposed twice or
 * proposed after it was observed.
 */
import type { DecisionSpace } from '../../contracts/genotypes.ts';
import type { Float64Tape } from './snapshot.ts';
import { ChoiceCodec, validateChoices } from './space.ts';
import type { Candidate, Observation } from './types.ts';

export interface LedgerSnapshot {
  seeds: string[];
  seen: number;
}

export class ProposalLedger {
  readonly codec: ChoiceCodec;
  /**
   * Architectures by a 53-bit hash of their canonical form: 8 bytes each in a snapshot. Two of
   * 10,000 architectures share a hash with probability 5e-9; then one of them is never proposed.
   */
  private seen = new Set<number>();
  private seeds: number[][];

  private readonly dedup: boolean;
  constructor(space: DecisionSpace, dedup: boolean, seedArchitectures: readonly number[][]) {
    this.dedup = dedup;
    this.codec = new ChoiceCodec(space);
    this.seeds = seedArchitectures.map((s, i) => validateChoices(space, s, `strategy.seedArchitectures[${i}]`).slice());
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
    if (this.dedup) this.seen.add(this.identity(observation.choices));
  }

  snapshot(tape: Float64Tape): LedgerSnapshot {
    tape.write([...this.seen]);
    return { seeds: this.seeds.map((s) => this.codec.toText(s)), seen: this.seen.size };
  }

  restore(state: LedgerSnapshot, tape: Float64Tape): void {
    this.seeds = state.seeds.map((text, i) => this.codec.fromText(text, `strategy snapshot: seeds[${i}]`));
    this.seen = new Set(tape.read(state.seen));
  }

  private claim(choices: number[]): boolean {
    if (!this.dedup) return true;
    const key = this.identity(choices);
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  private identity(choices: readonly number[]): number {
    return hash53(this.codec.canonicalKey(choices));
  }
}

/** cyrb53 (bryc, public domain): a fast 53-bit string hash, an exact float64. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export function requireCount(count: number): void {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`propose: count must be a non-negative integer, got ${count}`);
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
