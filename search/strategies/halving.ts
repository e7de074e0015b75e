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
import type { DecisionSpace } from '../../contracts/genotypes.ts';
import { resultsBeforeProposal } from '../proposal-window.ts';
import type { CoreStrategy } from './core.ts';
import { requireCount, validateObservations } from './ledger.ts';
import type { Float64Tape } from './snapshot.ts';
import { ChoiceCodec } from './space.ts';
import type { Candidate, Observation } from './types.ts';

interface RungEntry {
  text: string;
  choices: number[];
  origin: Candidate['origin'];
  /** undefined while pending. */
  reward?: number | null;
  promoted: boolean;
}

interface Rung {
  /** Candidates sent out at this level and not yet observed, by choice text. */
  pending: Map<string, RungEntry[]>;
  pendingCount: number;
  /** Results so far, failures included. */
  done: number;
  /** Successful results, best first; equal rewards in arrival order. */
  ranked: RungEntry[];
}

/** A rung entry as "<choices as text> <origin> <reward> <promoted 0|1>", the reward empty while pending or "null" when failed. */
type EntryText = string;

interface HalvingSnapshot {
  base: unknown;
  /** Per rung: pending entries in sending order, ranked entries best first, results so far. */
  rungs: Array<{ pending: EntryText[]; ranked: EntryText[]; done: number }>;
}

export class HalvingStrategy implements CoreStrategy {
  private rungs: Rung[];
  private readonly codec: ChoiceCodec;

  private readonly base: CoreStrategy;
  private readonly space: DecisionSpace;
  private readonly eta: number;
  private readonly levels: number;
  constructor(base: CoreStrategy, space: DecisionSpace, eta: number, levels: number) {
    this.base = base;
    this.space = space;
    this.eta = eta;
    this.levels = levels;
    this.rungs = Array.from({ length: levels }, () => ({ pending: new Map(), pendingCount: 0, done: 0, ranked: [] }));
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
        this.send(0, {
          text: this.codec.toText(candidate.choices),
          choices: candidate.choices,
          origin: candidate.origin,
          promoted: false,
        });
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
      const waiting = rung.pending.get(text);
      const entry = waiting?.shift() ?? {
        text,
        choices: choices.slice(),
        origin: 'proposed' as const,
        promoted: false,
      };
      if (waiting) {
        rung.pendingCount -= 1;
        if (waiting.length === 0) rung.pending.delete(text);
      }
      entry.reward = reward;
      rung.done += 1;
      if (reward !== null) insertRanked(rung.ranked, entry);
    }
    const bottom = observations.filter((o) => o.fidelity === 0);
    if (bottom.length > 0) this.base.observe(bottom);
  }

  summary(): Record<string, number | string> {
    const out: Record<string, number | string> = { ...this.base.summary(), eta: this.eta, levels: this.levels };
    this.rungs.forEach((rung, k) => {
      out[`rung${k}Results`] = rung.done;
      out[`rung${k}Pending`] = rung.pendingCount;
    });
    const top = this.rungs[this.levels - 1].ranked[0];
    out.bestFullFidelity = top ? (top.reward as number) : 'none';
    return out;
  }

  snapshot(tape: Float64Tape): HalvingSnapshot {
    const text = (e: RungEntry) =>
      `${e.text} ${e.origin} ${e.reward === undefined ? '' : String(e.reward)} ${e.promoted ? 1 : 0}`;
    return {
      base: this.base.snapshot(tape),
      rungs: this.rungs.map((rung) => ({
        pending: [...rung.pending.values()].flat().map(text),
        ranked: rung.ranked.map(text),
        done: rung.done,
      })),
    };
  }

  restore(state: HalvingSnapshot, tape: Float64Tape): void {
    this.base.restore(state.base, tape);
    const entry = (line: EntryText, field: string): RungEntry => {
      const [text, origin, reward, promoted] = line.split(' ');
      const choices = this.codec.fromText(text, field);
      return {
        text,
        choices,
        origin: origin as Candidate['origin'],
        reward: reward === '' ? undefined : reward === 'null' ? null : Number(reward),
        promoted: promoted === '1',
      };
    };
    this.rungs = state.rungs.map((saved, k) => {
      const rung: Rung = {
        pending: new Map(),
        pendingCount: 0,
        done: saved.done,
        ranked: saved.ranked.map((line, i) => entry(line, `strategy snapshot: rungs[${k}].ranked[${i}]`)),
      };
      saved.pending.forEach((line, i) => {
        const e = entry(line, `strategy snapshot: rungs[${k}].pending[${i}]`);
        const waiting = rung.pending.get(e.text);
        if (waiting) waiting.push(e);
        else rung.pending.set(e.text, [e]);
        rung.pendingCount += 1;
      });
      return rung;
    });
  }

  private nextPromotion(): Candidate | null {
    for (let k = this.levels - 2; k >= 0; k--) {
      const { done, ranked } = this.rungs[k];
      const quota = Math.min(ranked.length, promotionQuota(done, this.eta));
      let entry: RungEntry | undefined;
      for (let i = 0; i < quota && !entry; i++) if (!ranked[i].promoted) entry = ranked[i];
      if (!entry) continue;
      entry.promoted = true;
      const choices = entry.choices.slice();
      this.send(k + 1, { text: entry.text, choices, origin: 'promoted', promoted: false });
      return { choices: choices.slice(), fidelity: k + 1, origin: 'promoted' };
    }
    return null;
  }

  private send(level: number, entry: RungEntry): void {
    const rung = this.rungs[level];
    const waiting = rung.pending.get(entry.text);
    if (waiting) waiting.push(entry);
    else rung.pending.set(entry.text, [entry]);
    rung.pendingCount += 1;
  }
}

/** The rule of successive halving: a rung promotes its best 1/eta of the results it has. */
function promotionQuota(done: number, eta: number): number {
  return Math.floor(done / eta);
}

/** Inserts after every entry with a reward >= the new one's, keeping best-first, ties in arrival order. */
function insertRanked(ranked: RungEntry[], entry: RungEntry): void {
  const reward = entry.reward as number;
  let low = 0;
  let high = ranked.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((ranked[mid].reward as number) >= reward) low = mid + 1;
    else high = mid;
  }
  ranked.splice(low, 0, entry);
}

/**
 * How many trials a halving search needs to be sure of sending a candidate to its top level (the
 * full protocol), or null when that takes more than `limit`: the promotion rule above (a rung
 * promotes while fewer than floor(done/eta) of its results are promoted), with every result
 * succeeding in the order that promotes least, candidate i proposed after the results of trials
 * 0..i-window-1 (search/proposal-window.ts).
 */
export function trialsToReachTopLevel(eta: number, levels: number, window: number, limit: number): number | null {
  const done = new Array<number>(levels).fill(0);
  const promoted = new Array<number>(levels).fill(0);
  const levelOfTrial: number[] = [];
  for (let trial = 0; trial < limit; trial++) {
    const seen = resultsBeforeProposal(window, trial);
    for (let observed = trial === 0 ? 0 : resultsBeforeProposal(window, trial - 1); observed < seen; observed++) {
      done[levelOfTrial[observed]] += 1;
    }
    const from = promotingRung(done, promoted, eta);
    const level = from === null ? 0 : from + 1;
    if (from !== null) promoted[from] += 1;
    if (level === levels - 1) return trial + 1;
    levelOfTrial.push(level);
  }
  return null;
}

function promotingRung(done: number[], promoted: number[], eta: number): number | null {
  for (let k = done.length - 2; k >= 0; k--) if (promoted[k] < promotionQuota(done[k], eta)) return k;
  return null;
}
