/** The pieces around the strategies: rewards, fidelity levels, seeded rng, halving rungs, warm starts, purity. */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { nasnetSpace } from '../cells/nasnet/index.ts';
import { budgetFraction, fidelityLadder, protocolForFidelity } from '../contracts/fidelity.ts';
import { DEFAULT_PROTOCOL, protocolHash } from '../contracts/protocol.ts';
import { reward } from '../search/reward.ts';
import { makeRng, restoreRng } from '../numeric/rng.ts';
import { createStrategy } from '../search/strategies/index.ts';
import { trialsToReachTopLevel } from '../search/strategies/halving.ts';
import type { Candidate } from '../search/strategies/types.ts';

describe('reward', () => {
  const model = { valAccuracy: 0.9, params: 2e6, flops: 3e8, latencyMs: 40 };

  it('is the validation accuracy for the accuracy objective', () => {
    expect(reward(model, { objective: 'accuracy' })).toBe(0.9);
  });

  it('is MnasNet ACC x (cost/T)^w, w = -0.07 by default', () => {
    expect(reward(model, { objective: 'mnas', cost: 'params', target: 2e6 })).toBeCloseTo(0.9, 12);
    expect(reward(model, { objective: 'mnas', cost: 'flops', target: 1.5e8 })).toBeCloseTo(0.9 * 2 ** -0.07, 12);
    expect(reward(model, { objective: 'mnas', cost: 'latency', target: 80 })).toBeCloseTo(0.9 * 0.5 ** -0.07, 12);
    expect(reward(model, { objective: 'mnas', cost: 'params', target: 1e6, w: -0.15 })).toBeCloseTo(
      0.9 * 2 ** -0.15,
      12,
    );
  });

  it('names the missing or bad field', () => {
    expect(() =>
      reward({ ...model, latencyMs: undefined }, { objective: 'mnas', cost: 'latency', target: 50 }),
    ).toThrow(/latencyMs must be a positive number/);
    expect(() => reward(model, { objective: 'mnas', cost: 'watts' as never, target: 1 })).toThrow(
      /reward\.cost: must be one of params, flops, latency/,
    );
    expect(() => reward(model, { objective: 'mnas', cost: 'params', target: 0 })).toThrow(
      /reward\.target: must be a positive number/,
    );
    expect(() => reward({ ...model, valAccuracy: 1.5 }, { objective: 'accuracy' })).toThrow(/valAccuracy/);
    expect(() => reward(model, { objective: 'loss' } as never)).toThrow(
      /reward\.objective: must be one of accuracy, mnas/,
    );
  });
});

describe('fidelity levels', () => {
  const halving = { eta: 3, levels: 3 };

  it('give every level its own protocol hash; the last level is the full protocol', () => {
    const ladder = fidelityLadder(DEFAULT_PROTOCOL, halving);
    const hashes = ladder.map(protocolHash);
    expect(new Set(hashes).size).toBe(3);
    expect(hashes[2]).toBe(protocolHash(DEFAULT_PROTOCOL));
    expect(protocolForFidelity(DEFAULT_PROTOCOL, 0, null)).toEqual(DEFAULT_PROTOCOL);
  });

  it('scale epochs (at least 1) and trainSize so that compute follows eta^-(levels-1-k)', () => {
    const protocol = { ...DEFAULT_PROTOCOL, epochs: 9, trainSize: 9000 };
    for (let level = 0; level < 3; level++) {
      const p = protocolForFidelity(protocol, level, halving);
      expect(p.epochs).toBeGreaterThanOrEqual(1);
      expect((p.epochs * p.trainSize) / (9 * 9000)).toBeCloseTo(budgetFraction(level, halving), 3);
      expect(p.valSize).toBe(protocol.valSize);
    }
    expect(protocolForFidelity(protocol, 0, halving)).toMatchObject({ epochs: 1, trainSize: 9000, testSize: 0 });
    expect(protocolForFidelity(DEFAULT_PROTOCOL, 0, halving)).toMatchObject({ epochs: 1, trainSize: 1111 });
  });

  it('refuse levels that would train identically, and levels out of range', () => {
    expect(() => fidelityLadder({ ...DEFAULT_PROTOCOL, epochs: 1, trainSize: 2 }, { eta: 3, levels: 3 })).toThrow(
      /levels 0 and 1 would train identically/,
    );
    expect(() => protocolForFidelity(DEFAULT_PROTOCOL, 3, halving)).toThrow(/level must be an integer in \[0, 2\]/);
    expect(() => protocolForFidelity(DEFAULT_PROTOCOL, 1, null)).toThrow(/\[0, 0\]/);
  });
});

describe('seeded rng', () => {
  it('is reproducible, seed-dependent and restorable from JSON state', () => {
    const a = makeRng(42);
    const first = [a.next(), a.next()];
    expect([makeRng(42).next(), makeRng('42').next()]).toEqual([first[0], first[0]]);
    expect(makeRng(43).next()).not.toBe(first[0]);
    const state = JSON.parse(JSON.stringify(a.state()));
    const tail = [a.next(), a.int(1000), a.next()];
    const b = restoreRng(state);
    expect([b.next(), b.int(1000), b.next()]).toEqual(tail);
    expect(() => a.int(0)).toThrow(/positive integer/);
  });
});

describe('successive halving (ASHA)', () => {
  const space = nasnetSpace({ blocks: 2 });
  const observe = (
    s: ReturnType<typeof createStrategy>,
    cs: Candidate[],
    score: (c: Candidate, i: number) => number | null,
  ) => s.observe(cs.map((c, i) => ({ choices: c.choices, fidelity: c.fidelity, reward: score(c, i) })));

  it('promotes the top 1/eta of a rung before proposing anything new, highest rung first', () => {
    const strategy = createStrategy({ name: 'random', halving: { eta: 3, levels: 3 } }, space, 1);
    const rung0 = strategy.propose(9);
    expect(rung0.every((c) => c.fidelity === 0 && c.origin === 'proposed')).toBe(true);
    observe(strategy, rung0, (_c, i) => (i === 4 ? null : i / 10)); // best: 8, 7, 6; 4 failed
    const next = strategy.propose(5);
    expect(next.slice(0, 3).map((c) => [c.choices, c.fidelity, c.origin])).toEqual(
      [8, 7, 6].map((i) => [rung0[i].choices, 1, 'promoted']),
    );
    expect(next.slice(3).every((c) => c.fidelity === 0 && c.origin === 'proposed')).toBe(true);
    observe(strategy, next.slice(0, 3), (_c, i) => [0.5, 0.9, 0.7][i]);
    const top = strategy.propose(1);
    expect(top).toEqual([{ choices: rung0[7].choices, fidelity: 2, origin: 'promoted' }]);
    const summary = strategy.summary();
    expect(summary).toMatchObject({ rung0Results: 9, rung0Pending: 2, rung1Results: 3, rung2Pending: 1, observed: 9 });
  });

  it('knows how many trials a search needs to be sure of reaching its top level, as the strategy plays it', () => {
    expect(trialsToReachTopLevel(3, 1, 0, 100)).toBe(1);
    expect(trialsToReachTopLevel(3, 2, 0, 100)).toBe(4); // 3 results at level 0, the 4th trial promotes
    expect(trialsToReachTopLevel(3, 3, 0, 100)).toBe(13); // 9 + 3 + 1
    expect(trialsToReachTopLevel(3, 6, 0, 100)).toBeNull();
    // The trial pool's schedule: candidate i after the results of trials 0..i-window-1, each worse than the last.
    const firstAtTop = (eta: number, levels: number, window: number) => {
      const strategy = createStrategy({ name: 'random', halving: { eta, levels }, window }, space, 1);
      const sent: Candidate[] = [];
      for (let trial = 0; trial < 500; trial++) {
        const seen = Math.max(0, trial - window);
        const fed = Math.max(0, trial - 1 - window);
        if (seen > fed) observe(strategy, sent.slice(fed, seen), (_c, i) => -(fed + i));
        const [candidate] = strategy.propose(1);
        if (candidate.fidelity === levels - 1) return trial + 1;
        sent.push(candidate);
      }
      return null;
    };
    for (const [eta, levels, window] of [
      [3, 2, 0],
      [3, 3, 0],
      [3, 3, 8],
      [2, 4, 3],
      [4, 3, 16],
    ]) {
      expect(firstAtTop(eta, levels, window)).toBe(trialsToReachTopLevel(eta, levels, window, 500));
    }
  });

  it('never promotes a failed candidate', () => {
    const strategy = createStrategy({ name: 'random', halving: { eta: 3, levels: 2 } }, space, 1);
    const rung0 = strategy.propose(3);
    observe(strategy, rung0, () => null);
    expect(strategy.propose(2).every((c) => c.origin === 'proposed')).toBe(true);
  });
});

describe('warm start', () => {
  it('evolution evaluates the seed architectures first and breeds from a good one', () => {
    const space = nasnetSpace({ blocks: 2 });
    const seed = space.decisions.map(() => 0);
    const strategy = createStrategy(
      { name: 'evolution', seedArchitectures: [seed], evolution: { population: 4, sample: 8 } },
      space,
      3,
    );
    const first = strategy.propose(4);
    expect(first[0]).toEqual({ choices: seed, fidelity: 0, origin: 'seed' });
    strategy.observe(first.map((c) => ({ choices: c.choices, fidelity: 0, reward: c.origin === 'seed' ? 0.9 : 0.1 })));
    const children = strategy.propose(5);
    const distanceToSeed = (c: Candidate) => c.choices.filter((v, i) => v !== seed[i]).length;
    // Tournaments of 8 draws from 4 individuals almost always include the seed; each child is one mutation away.
    expect(children.filter((c) => distanceToSeed(c) === 1).length).toBeGreaterThanOrEqual(4);
  });

  it('REINFORCE learns from the seed architectures’ results', () => {
    const space = nasnetSpace({ blocks: 2 });
    const seed = space.decisions.map((d) => d.size - 1);
    const config = {
      name: 'reinforce' as const,
      dedup: false,
      seedArchitectures: [seed],
      reinforce: { hidden: 16, learningRate: 0.03, batchSize: 2 },
    };
    const strategy = createStrategy(config, space, 5);
    const matches = (c: Candidate) => c.choices.filter((v, i) => v === seed[i]).length;
    const before = strategy.propose(21).slice(1);
    for (let round = 0; round < 40; round++) {
      // The seed keeps being reported (as a workflow reusing its result would), always better than the samples.
      const [sample] = strategy.propose(1);
      strategy.observe([
        { choices: seed, fidelity: 0, reward: 0.9 },
        { choices: sample.choices, fidelity: 0, reward: 0.1 },
      ]);
    }
    const after = strategy.propose(20);
    const mean = (cs: Candidate[]) => cs.reduce((a, c) => a + matches(c), 0) / cs.length;
    expect(mean(after)).toBeGreaterThan(mean(before) * 2);
  });
});

describe('purity', () => {
  it('the search layer bundles for a platform without Node built-ins (Temporal’s workflow sandbox)', async () => {
    const result = await build({
      entryPoints: ['search/index.ts'],
      bundle: true,
      write: false,
      platform: 'neutral',
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0].text;
    expect(code).not.toMatch(/require\(["'](crypto|fs|path|os|node:[a-z]+)["']\)/);
    expect(code).not.toMatch(/tensorflow/);
  });
});
