/** The REINFORCE controller: exact gradients, learning, and restore by replay. */
import { describe, expect, it } from 'vitest';
import { nasnetSpace } from '../cells/nasnet/index.ts';
import { NASNET_OPS } from '../contracts/genotypes.ts';
import { makeRng } from '../numeric/rng.ts';
import { createStrategy } from '../search/strategies/index.ts';
import { Controller, type ControllerOptions } from '../search/strategies/reinforce/controller.ts';
import type { Observation } from '../search/strategies/types.ts';

const small = nasnetSpace({ blocks: 2, ops: ['identity', 'sep_conv_3x3', 'max_pool_3x3'], combine: ['add', 'concat'] });

function worstRelativeError(options: ControllerOptions): { worst: number; norm: number } {
  const controller = new Controller(small, options, makeRng('grad-check'));
  // Weights well beyond the [-0.1, 0.1] init, so that every nonlinearity is off its linear regime.
  for (let k = 0; k < controller.theta.length; k++) controller.theta[k] *= 8;
  controller.weightsChanged();
  // A batch of two paths with different advantages, sharing inputs (the go vector, embeddings).
  const batch = [
    { choices: controller.run({ rng: makeRng('path') }).choices, advantage: 0.7 },
    { choices: controller.run({ rng: makeRng('other path') }).choices, advantage: -1.2 },
  ];
  const [entropyWeight, scale] = [0.3, 0.5];
  const loss = () => batch.reduce((sum, b) => sum + controller.loss(b.choices, b.advantage, entropyWeight) * scale, 0);
  const grad = new Float64Array(controller.parameterCount);
  const paths = batch.map((b) => ({ path: controller.run({ choices: b.choices }), advantage: b.advantage }));
  controller.accumulateGradient(grad, paths, entropyWeight, scale);
  let worst = 0;
  const eps = 1e-5;
  const nudge = (k: number, value: number) => {
    controller.theta[k] = value;
    controller.weightsChanged();
  };
  for (let k = 0; k < controller.theta.length; k++) {
    const original = controller.theta[k];
    nudge(k, original + eps);
    const plus = loss();
    nudge(k, original - eps);
    const minus = loss();
    nudge(k, original);
    const numeric = (plus - minus) / (2 * eps);
    worst = Math.max(worst, Math.abs(numeric - grad[k]) / Math.max(1e-7, Math.abs(numeric) + Math.abs(grad[k])));
  }
  return { worst, norm: Math.hypot(...grad) };
}

describe('REINFORCE controller gradients', () => {
  it.each<[string, ControllerOptions]>([
    [
      'tanh constant and temperature, heads per kind',
      { hidden: 4, tanhConstant: 2.5, temperature: 1.3, heads: 'kind' },
    ],
    ['plain logits, heads per position', { hidden: 4, tanhConstant: null, temperature: 1, heads: 'position' }],
  ])('match central finite differences (%s)', (_label, options) => {
    const { worst, norm } = worstRelativeError(options);
    expect(norm).toBeGreaterThan(0.01);
    expect(worst).toBeLessThan(1e-4);
  });

  it('initialises every weight uniformly in [-0.1, 0.1] from the seed', () => {
    const a = new Controller(small, { hidden: 8, tanhConstant: 2.5, temperature: 1, heads: 'kind' }, makeRng(1));
    const b = new Controller(small, { hidden: 8, tanhConstant: 2.5, temperature: 1, heads: 'kind' }, makeRng(1));
    expect(Math.max(...a.theta.map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(Math.max(...a.theta.map(Math.abs))).toBeGreaterThan(0.09);
    expect(a.theta).toEqual(b.theta);
  });
});

describe('REINFORCE strategy', () => {
  it('learns: the rewarded op becomes the controller’s common choice and its entropy falls', () => {
    const space = nasnetSpace({ blocks: 2 });
    const sep3 = NASNET_OPS.indexOf('sep_conv_3x3');
    const isOp = space.decisions.map((d) => d.name.includes('.ops['));
    const share = (choices: number[]) =>
      choices.filter((c, i) => isOp[i] && c === sep3).length / isOp.filter(Boolean).length;
    const strategy = createStrategy(
      { name: 'reinforce', dedup: false, reinforce: { hidden: 16, learningRate: 0.02 } },
      space,
      4,
    );
    const shares: number[] = [];
    for (let round = 0; round < 60; round++) {
      const batch = strategy.propose(5);
      shares.push(...batch.map((c) => share(c.choices)));
      strategy.observe(batch.map((c): Observation => ({ choices: c.choices, fidelity: 0, reward: share(c.choices) })));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(shares.slice(0, 25))).toBeLessThan(0.15); // ~1/13 at the start
    expect(mean(shares.slice(-25))).toBeGreaterThan(0.5);
    const summary = strategy.summary();
    expect(summary.updates).toBe(60);
    expect(summary.entropyPerDecision as number).toBeLessThan(Math.log(13) * 0.8 * 0.8);
  });

  const config = { name: 'reinforce' as const };

  /** The default controller (hidden 64) on the real NASNet space after 60 observations (12 updates), every 4th batch failed. */
  function trainedController() {
    const space = nasnetSpace();
    const original = createStrategy(config, space, 9);
    const reward = (choices: number[]) => choices.reduce((a, b) => a + b, 0) / 300;
    for (let round = 0; round < 12; round++) {
      const batch = original.propose(5);
      original.observe(
        batch.map((c) => ({ choices: c.choices, fidelity: 0, reward: round % 4 === 3 ? null : reward(c.choices) })),
      );
    }
    return { space, original };
  }

  it('restores by replay to bitwise the same controller (default hidden 64, real NASNet space)', () => {
    const { space, original } = trainedController();
    const state = JSON.parse(JSON.stringify(original.exportState()));
    const started = performance.now();
    const restored = createStrategy(config, space, 9, state);
    const replayMs = performance.now() - started;
    console.log(
      `replay of 60 observations (12 updates, hidden 64): ${replayMs.toFixed(0)} ms, state ${JSON.stringify(state).length} bytes`,
    );
    // The summary carries the baseline, entropy and log-probability: exact equality means identical weights.
    expect(restored.summary()).toEqual(original.summary());
    expect(original.summary().updates).toBe(12);
    expect(restored.propose(10)).toEqual(original.propose(10));
  });

  it('restores from a snapshot (weights, Adam moments, dedup ledger) to the controller a replay gives', () => {
    const { space, original } = trainedController();
    original.propose(3); // proposed, not yet observed: carried as pending in the ledger, not in the snapshot's batch
    const { state, arrays } = original.exportSnapshot();
    const fromSnapshot = createStrategy(config, space, 9, JSON.parse(JSON.stringify(state)), arrays);
    const fromLog = createStrategy(config, space, 9, JSON.parse(JSON.stringify(original.exportState())));
    // 37,474 weights and two Adam moments each, then 63 architecture hashes.
    expect(arrays.byteLength).toBe((3 * 37_474 + 63) * 8);
    expect(fromSnapshot.summary()).toEqual(fromLog.summary());
    const proposals = fromLog.propose(10);
    expect(fromSnapshot.propose(10)).toEqual(proposals);
    expect(original.propose(10)).toEqual(proposals);
  });
});
