/**
 * The suite every strategy passes, alone and wrapped in successive halving:
 * determinism in (seed, observations), state round trip through JSON (log and
 * snapshot), validity of every proposal, dedup, and a small state.
 */
import { describe, expect, it } from 'vitest';
import type { DecisionSpace } from '../contracts/genotypes.ts';
import { syntheticObjective } from '../search/synthetic-objective.ts';
import { createStrategy } from '../search/strategies/index.ts';
import { ChoiceCodec, validateChoices } from '../search/strategies/space.ts';
import type { Candidate, Observation, Strategy, StrategyConfig } from '../search/strategies/types.ts';
import { efficientNetSpace } from '../cells/efficientnet/index.ts';
import { nasnetSpace } from '../cells/nasnet/index.ts';
import { toyNasnetSpace } from './support/strategies-toy-space.ts';

const BASES: StrategyConfig[] = [
  { name: 'random' },
  { name: 'evolution', evolution: { population: 6, sample: 3 } },
  { name: 'reinforce', reinforce: { hidden: 12, batchSize: 3, learningRate: 0.01 } },
];
const HALVING = { eta: 3, levels: 3 };
const CONFIGS: Array<[string, StrategyConfig]> = BASES.flatMap(
  (base): Array<[string, StrategyConfig]> => [
    [base.name, base],
    [`${base.name} + successive halving`, { ...base, halving: HALVING }],
  ],
);

/** The real NASNet space: 5 blocks per cell, 13 ops, 50 decisions. */
const space = nasnetSpace();
/** EfficientNet stages plus compound-scaling coefficients (a 109-way decision) and phi. */
const scalingSpace = efficientNetSpace({ grid: { step: 0.05, tolerance: 0.1 }, phis: [0, 1, 2] });

/**
 * Plays a search: proposes 1-3 candidates a round and observes the older half
 * of what is pending (results come back out of order with parallelism); every
 * 7th result fails (reward null). Deterministic, and clonable mid-run.
 */
class Driver {
  readonly proposals: Candidate[] = [];
  private readonly score: (c: number[]) => number;
  pending: Candidate[];
  private round: number;
  constructor(score: (c: number[]) => number, pending: Candidate[] = [], round = 0) {
    this.score = score;
    this.pending = pending;
    this.round = round;
  }

  clone(): Driver {
    return new Driver(
      this.score,
      this.pending.map((c) => ({ ...c, choices: c.choices.slice() })),
      this.round,
    );
  }

  play(strategy: Strategy, rounds: number): Candidate[] {
    const out: Candidate[] = [];
    for (let r = 0; r < rounds; r++, this.round++) {
      const fresh = strategy.propose(1 + (this.round % 3));
      out.push(...fresh);
      this.pending.push(...fresh);
      const ready = this.pending.splice(0, Math.ceil(this.pending.length / 2));
      if (ready.length > 0) strategy.observe(ready.map((c, i) => this.result(c, i)));
    }
    this.proposals.push(...out);
    return out;
  }

  private result(c: Candidate, i: number): Observation {
    const failed = (this.round + i) % 7 === 6;
    return {
      choices: c.choices,
      fidelity: c.fidelity,
      reward: failed ? null : this.score(c.choices) - 0.05 * (2 - c.fidelity),
    };
  }
}

function seedsFor(s: DecisionSpace): number[][] {
  return [s.decisions.map(() => 0), s.decisions.map((d) => d.size - 1)];
}

describe.each(CONFIGS)('strategy conformance: %s', (_label, base) => {
  const config: StrategyConfig = { ...base, seedArchitectures: seedsFor(space) };
  const objective = syntheticObjective(space, 'conformance');
  const levels = config.halving ? config.halving.levels : 1;

  it('gives the same proposals for the same seed and observations, other ones for another seed', () => {
    const run = (seed: number) => new Driver(objective.score).play(createStrategy(config, space, seed), 14);
    const first = run(7);
    expect(first.length).toBeGreaterThan(14);
    expect(run(7)).toEqual(first);
    expect(run(8)).not.toEqual(first);
  });

  it('continues identically after a state round trip through JSON', () => {
    const original = createStrategy(config, space, 11);
    const driver = new Driver(objective.score);
    driver.play(original, 10);
    const state = JSON.parse(JSON.stringify(original.exportState()));
    const restored = createStrategy(config, space, 11, state);
    expect(restored.exportState()).toEqual(original.exportState());
    expect(restored.summary()).toEqual(original.summary());
    const twin = driver.clone();
    expect(twin.play(restored, 10)).toEqual(driver.play(original, 10));
    expect(restored.summary()).toEqual(original.summary());
  });

  it('continues from a snapshot as the uninterrupted strategy and a replay of its log do', () => {
    const original = createStrategy(config, space, 11);
    const driver = new Driver(objective.score);
    driver.play(original, 10);
    const { state, arrays } = original.exportSnapshot();
    const fromSnapshot = createStrategy(config, space, 11, JSON.parse(JSON.stringify(state)), arrays.slice());
    const fromLog = createStrategy(config, space, 11, JSON.parse(JSON.stringify(original.exportState())));
    expect(fromSnapshot.summary()).toEqual(original.summary());
    const [twin, triplet] = [driver.clone(), driver.clone()];
    const expected = driver.play(original, 12);
    expect(twin.play(fromSnapshot, 12)).toEqual(expected);
    expect(triplet.play(fromLog, 12)).toEqual(expected);
    expect(fromSnapshot.summary()).toEqual(original.summary());
    expect(fromSnapshot.exportSnapshot()).toEqual(original.exportSnapshot());
    expect(() => fromSnapshot.exportState()).toThrow(/no complete log/);
  });

  it('refuses a snapshot of another seed or config, or without its arrays', () => {
    const original = createStrategy(config, space, 11);
    new Driver(objective.score).play(original, 3);
    const { state, arrays } = original.exportSnapshot();
    expect(() => createStrategy(config, space, 12, state, arrays)).toThrow(/fingerprint/);
    expect(() => createStrategy(config, space, 11, state)).toThrow(/arrays .* are missing/);
    expect(() => createStrategy(config, space, 11, state, arrays.subarray(8))).toThrow(/strategy snapshot: /);
  });

  it('refuses a state exported under another seed or config', () => {
    const original = createStrategy(config, space, 11);
    new Driver(objective.score).play(original, 3);
    const state = original.exportState();
    expect(() => createStrategy(config, space, 12, state)).toThrow(/fingerprint/);
    expect(() => createStrategy({ ...config, dedup: false }, space, 11, state)).toThrow(/fingerprint/);
  });

  it('proposes only valid candidates, seed architectures first', () => {
    const driver = new Driver(objective.score);
    const proposals = driver.play(createStrategy(config, space, 3), 20);
    expect(proposals.slice(0, 2).map((c) => [c.origin, c.choices])).toEqual(seedsFor(space).map((s) => ['seed', s]));
    for (const c of proposals) {
      expect(() => validateChoices(space, c.choices, 'choices')).not.toThrow();
      expect(() => space.decode(c.choices)).not.toThrow();
      expect(Number.isInteger(c.fidelity) && c.fidelity >= 0 && c.fidelity < levels).toBe(true);
      expect(c.origin === 'promoted').toBe(c.fidelity > 0);
    }
    if (config.halving) expect(proposals.some((c) => c.origin === 'promoted')).toBe(true);
  });

  it('with dedup never proposes an architecture already proposed or observed, until the space runs out', () => {
    // 32 choice sequences, 20 distinct architectures: repeats would be frequent without dedup.
    const tiny = toyNasnetSpace(1, { ops: 2, cells: 1 });
    const codec = new ChoiceCodec(tiny);
    const strategy = createStrategy({ ...config, seedArchitectures: [[0, 1, 0, 1, 0]] }, tiny, 5);
    const foreign = [1, 0, 1, 0, 0]; // same architecture as the seed (branches swapped)
    const other = [1, 1, 1, 1, 1];
    strategy.observe([{ choices: other, fidelity: 0, reward: 0.5 }]);
    const seen = new Set([codec.canonicalKey(other)]);
    const seenAtLevel = new Set<string>();
    const driver = new Driver((c) => c.reduce((a, b) => a + b, 0) / 5);
    const all = driver.play(strategy, 40);
    for (const c of all) {
      const key = codec.canonicalKey(c.choices);
      if (c.origin !== 'promoted') {
        expect(seen.has(key), `repeated ${c.choices}`).toBe(false);
        seen.add(key);
      }
      expect(seenAtLevel.has(`${key}@${c.fidelity}`)).toBe(false);
      seenAtLevel.add(`${key}@${c.fidelity}`);
    }
    expect(seen.size).toBe(20);
    expect(seen.has(codec.canonicalKey(foreign))).toBe(true);
    expect(all.filter((c) => c.origin !== 'promoted')).toHaveLength(19);
    expect(strategy.propose(3).filter((c) => c.origin !== 'promoted')).toEqual([]);
  });

  it('keeps its state under 256 KB after 1000 observations', () => {
    const score = syntheticObjective(space, 1).score;
    const strategy = createStrategy({ ...config, reinforce: { ...config.reinforce, hidden: 4 } }, space, 1);
    let observed = 0;
    while (observed < 1000) {
      const batch = strategy.propose(10);
      strategy.observe(batch.map((c) => ({ choices: c.choices, fidelity: c.fidelity, reward: score(c.choices) })));
      observed += batch.length;
    }
    expect(JSON.stringify(strategy.exportState()).length).toBeLessThan(256 * 1024);
  });
});

describe.each(CONFIGS)('strategy conformance over EfficientNet stages and scaling coefficients: %s', (_label, base) => {
  const config: StrategyConfig = { ...base, seedArchitectures: seedsFor(scalingSpace) };
  const objective = syntheticObjective(scalingSpace, 'scaling');
  const levels = config.halving ? config.halving.levels : 1;

  it('is deterministic, round-trips its state and proposes valid candidates', () => {
    const first = new Driver(objective.score).play(createStrategy(config, scalingSpace, 7), 14);
    expect(new Driver(objective.score).play(createStrategy(config, scalingSpace, 7), 14)).toEqual(first);
    const original = createStrategy(config, scalingSpace, 7);
    const driver = new Driver(objective.score);
    driver.play(original, 8);
    const restored = createStrategy(config, scalingSpace, 7, JSON.parse(JSON.stringify(original.exportState())));
    const twin = driver.clone();
    expect(twin.play(restored, 8)).toEqual(driver.play(original, 8));
    for (const c of [...first, ...driver.proposals]) {
      expect(() => validateChoices(scalingSpace, c.choices, 'choices')).not.toThrow();
      expect(() => scalingSpace.decode(c.choices)).not.toThrow();
      expect(c.fidelity).toBeLessThan(levels);
    }
    const coefficient = scalingSpace.decisions.findIndex((d) => d.name === 'scaling.coefficients');
    expect(new Set(first.map((c) => c.choices[coefficient])).size).toBeGreaterThan(3);
  });
});

describe('strategy configuration errors', () => {
  it('name the field and the allowed values', () => {
    expect(() => createStrategy({ name: 'annealing' as never }, space, 1)).toThrow(
      /strategy\.name: must be one of random, reinforce, evolution/,
    );
    expect(() => createStrategy({ name: 'evolution', evolution: { population: 0 } }, space, 1)).toThrow(
      /strategy\.evolution\.population/,
    );
    expect(() => createStrategy({ name: 'reinforce', reinforce: { heads: 'shared' as never } }, space, 1)).toThrow(
      /heads: must be one of kind, position/,
    );
    expect(() => createStrategy({ name: 'random', halving: { levels: 3, eta: 1 } }, space, 1)).toThrow(
      /strategy\.halving\.eta/,
    );
    expect(() => createStrategy({ name: 'random', seedArchitectures: [[99]] }, space, 1)).toThrow(
      /seedArchitectures\[0\]/,
    );
  });

  it('reject malformed observations before using any of them', () => {
    const strategy = createStrategy({ name: 'random' }, space, 1);
    const [c] = strategy.propose(1);
    const before = strategy.exportState();
    expect(() =>
      strategy.observe([
        { ...c, reward: 0.5 },
        { ...c, fidelity: 1, reward: 0.5 },
      ]),
    ).toThrow(/observations\[1\]\.fidelity: must be 0/);
    expect(() => strategy.observe([{ ...c, reward: Number.NaN }])).toThrow(/observations\[0\]\.reward/);
    expect(strategy.exportState()).toEqual(before);
  });
});
