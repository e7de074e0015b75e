/**
 * Two ways to carry a strategy across continue-as-new.
 *
 * The log (version 1, exportState): propose(n) as the number n, observe(...) as one compact string
 * per observation: "@<k> <reward>" for the k-th candidate this strategy proposed (counting from 0,
 * its fidelity implied), or, for anything else, "<choices as base-36 text> <reward>[ <fidelity>]";
 * an empty reward is null. Restoring replays the log on a fresh strategy built from the same
 * config, space and seed; every strategy is deterministic in those, so the restored one is bitwise
 * the same and proposes the same candidates. It costs ~20-25 bytes per observation, and replay
 * repeats every controller update so far: a few ms per observation for REINFORCE with hidden 64.
 *
 * The snapshot (version 2, exportSnapshot; snapshot.ts): the state itself, REINFORCE's float64
 * weights and Adam moments included. Restoring costs the same at any length of search; the
 * snapshot is 0.9 MB for the default controller, then 8 bytes per architecture seen (dedup), and
 * with successive halving its rungs' results as text (about 80 bytes each).
 * The search workflow carries snapshots; logs it still reads from histories written before them.
 */
import { stableHash } from '../../contracts/hash.ts';
import type { DecisionSpace } from '../../contracts/genotypes.ts';
import type { CoreStrategy } from './core.ts';
import type { ResolvedConfig } from './config.ts';
import { ChoiceCodec } from './space.ts';
import { Float64Tape } from './snapshot.ts';
import type { Candidate, Observation, Strategy, StrategySnapshot, StrategyState } from './types.ts';

export function strategyFingerprint(config: ResolvedConfig, space: DecisionSpace, seed: number): string {
  return stableHash({ config, space: { id: space.id, decisions: space.decisions }, seed }).slice(0, 16);
}

export class RecordedStrategy implements Strategy {
  private readonly events: StrategyState['events'] = [];
  private readonly codec: ChoiceCodec;
  private proposals = 0;
  /** Proposed candidates not yet observed: by "<text> <fidelity>" their numbers, by number the candidate. */
  private readonly unobservedByKey = new Map<string, number[]>();
  private readonly unobserved = new Map<number, Candidate>();
  /** Restored from a snapshot: the calls before it are not known, so there is no log to export. */
  private logIncomplete = false;

  private readonly inner: CoreStrategy;
  private readonly fingerprint: string;
  constructor(inner: CoreStrategy, space: DecisionSpace, fingerprint: string) {
    this.inner = inner;
    this.fingerprint = fingerprint;
    this.codec = new ChoiceCodec(space);
  }

  get name() {
    return this.inner.name;
  }

  propose(count: number): Candidate[] {
    const out = this.inner.propose(count);
    if (count > 0) this.events.push(count);
    for (const candidate of out) {
      const k = this.proposals++;
      const key = `${this.codec.toText(candidate.choices)} ${candidate.fidelity}`;
      this.unobserved.set(k, { ...candidate, choices: candidate.choices.slice() });
      const numbers = this.unobservedByKey.get(key);
      if (numbers) numbers.push(k);
      else this.unobservedByKey.set(key, [k]);
    }
    return out.map((c) => ({ ...c, choices: c.choices.slice() }));
  }

  observe(observations: Observation[]): void {
    this.inner.observe(observations);
    if (observations.length > 0) this.events.push(observations.map((o) => this.encode(o)));
  }

  exportState(): StrategyState {
    if (this.logIncomplete)
      throw new Error('strategy state: restored from a snapshot, it has no complete log; use exportSnapshot()');
    return {
      version: 1,
      fingerprint: this.fingerprint,
      events: this.events.map((e) => (typeof e === 'number' ? e : e.slice())),
    };
  }

  summary(): Record<string, number | string> {
    return this.inner.summary();
  }

  exportSnapshot(): { state: StrategySnapshot; arrays: Uint8Array } {
    const tape = Float64Tape.writing();
    const core = this.inner.snapshot(tape);
    return { state: { version: 2, fingerprint: this.fingerprint, core }, arrays: tape.bytes() };
  }

  /** Becomes a snapshot's strategy; refuses one of another config, space or seed. */
  restore(state: StrategySnapshot, arrays: Uint8Array | undefined): void {
    this.checkFingerprint(state.fingerprint);
    if (!(arrays instanceof Uint8Array))
      throw new TypeError('strategy snapshot: its float64 arrays (a Uint8Array) are missing');
    const tape = Float64Tape.reading(arrays);
    this.inner.restore(state.core, tape);
    tape.end();
    this.logIncomplete = true;
  }

  /** Replays a state's log; refuses a state of another config, space or seed. */
  replay(state: StrategyState): void {
    if (state?.version !== 1 || !Array.isArray(state.events)) {
      throw new TypeError(
        'strategy state: expected { version: 1, fingerprint, events[] } as exported by exportState()',
      );
    }
    this.checkFingerprint(state.fingerprint);
    state.events.forEach((event, i) => {
      if (typeof event === 'number') this.propose(event);
      else if (Array.isArray(event))
        this.observe(event.map((text, j) => this.decode(text, `strategy state: events[${i}][${j}]`)));
      else throw new TypeError(`strategy state: events[${i}] must be a number or an array of strings`);
    });
  }

  private checkFingerprint(fingerprint: string): void {
    if (fingerprint !== this.fingerprint) {
      throw new RangeError(
        `strategy state: fingerprint ${fingerprint} was exported under another strategy config, search space or seed (this one is ${this.fingerprint})`,
      );
    }
  }

  private encode(o: Observation): string {
    const reward = o.reward === null ? '' : String(o.reward);
    const text = this.codec.toText(o.choices);
    const key = `${text} ${o.fidelity}`;
    const numbers = this.unobservedByKey.get(key);
    if (numbers) {
      const k = numbers.shift()!;
      if (numbers.length === 0) this.unobservedByKey.delete(key);
      this.unobserved.delete(k);
      return `@${k} ${reward}`;
    }
    return o.fidelity === 0 ? `${text} ${reward}` : `${text} ${reward} ${o.fidelity}`;
  }

  private decode(text: string, field: string): Observation {
    const [head, rewardText, fidelity] = String(text).split(' ');
    const reward = rewardText === '' || rewardText === undefined ? null : Number(rewardText);
    if (head.startsWith('@')) {
      const candidate = this.unobserved.get(Number(head.slice(1)));
      if (!candidate)
        throw new RangeError(
          `${field}: refers to proposal ${head.slice(1)}, which was never proposed or was already observed`,
        );
      return { choices: candidate.choices.slice(), fidelity: candidate.fidelity, reward };
    }
    return {
      choices: this.codec.fromText(head, field),
      reward,
      fidelity: fidelity === undefined ? 0 : Number(fidelity),
    };
  }
}
