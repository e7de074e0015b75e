/**
 * State export by event sourcing. A strategy's state is the log of its calls:
 * propose(n) as the number n, observe(...) as one compact string per
 * observation: "@<k> <reward>" for the k-th candidate this strategy proposed
 * (counting from 0, its fidelity implied), or, for anything else,
 * "<choices as base-36 text> <reward>[ <fidelity>]"; an empty reward is null.
 * Restoring replays the log on a fresh strategy built from the same config,
 * space and seed; every strategy is deterministic in those, so the restored
 * one is bitwise the same, REINFORCE's weights and Adam moments included,
 * and it proposes the same k-th candidates again.
 *
 * Why replay rather than snapshots: the default REINFORCE controller (hidden
 * 64, NASNet space) has ~37k float64 weights plus two Adam moments each,
 * ~0.9 MB even as base64, far over Temporal's 256 KB payload warning, and
 * rounding them would break determinism. The log costs ~20-25 bytes per
 * observation (~25 KB after 1000), and some O(observations) state is needed
 * anyway: dedup must remember every architecture seen. The price is replay
 * time on restore, which repeats every controller update so far: a few ms
 * per observation for REINFORCE with hidden 64, well under 1 ms for the others.
 */
import { stableHash } from '../../cells/hash';
import type { DecisionSpace } from '../../cells/types';
import type { CoreStrategy } from './core';
import type { ResolvedConfig } from './config';
import { ChoiceCodec } from './space';
import type { Candidate, Observation, Strategy, StrategyState } from './types';

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

  constructor(
    private readonly inner: CoreStrategy,
    space: DecisionSpace,
    private readonly fingerprint: string,
  ) {
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
    return { version: 1, fingerprint: this.fingerprint, events: this.events.map((e) => (typeof e === 'number' ? e : e.slice())) };
  }

  summary(): Record<string, number | string> {
    return this.inner.summary();
  }

  /** Replays a state's log; refuses a state of another config, space or seed. */
  replay(state: StrategyState): void {
    if (!state || state.version !== 1 || !Array.isArray(state.events)) {
      throw new TypeError('strategy state: expected { version: 1, fingerprint, events[] } as exported by exportState()');
    }
    if (state.fingerprint !== this.fingerprint) {
      throw new RangeError(
        `strategy state: fingerprint ${state.fingerprint} was exported under another strategy config, search space or seed (this one is ${this.fingerprint})`,
      );
    }
    state.events.forEach((event, i) => {
      if (typeof event === 'number') this.propose(event);
      else if (Array.isArray(event)) this.observe(event.map((text, j) => this.decode(text, `strategy state: events[${i}][${j}]`)));
      else throw new TypeError(`strategy state: events[${i}] must be a number or an array of strings`);
    });
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
      if (!candidate) throw new RangeError(`${field}: refers to proposal ${head.slice(1)}, which was never proposed or was already observed`);
      return { choices: candidate.choices.slice(), fidelity: candidate.fidelity, reward };
    }
    return { choices: this.codec.fromText(head, field), reward, fidelity: fidelity === undefined ? 0 : Number(fidelity) };
  }
}
