/**
 * One REINFORCE update of the controller against a hand computation: the loss
 * mean_i[-(R_i - b) log pi(a_i) - beta H_i] with b the batch's mean reward (the first batch), its
 * gradient by finite differences of the controller's own log-probabilities (not its backpropagation),
 * and Adam's first step, which moves every weight with a gradient by the learning rate against its
 * sign; then the baseline's moving average over the batch's rewards.
 */
import { describe, expect, it } from 'vitest';
import { nasnetSpace } from '../cells/nasnet/index.ts';
import { makeRng } from '../numeric/rng.ts';
import { REINFORCE_DEFAULTS } from '../search/strategies/config.ts';
import { ProposalLedger } from '../search/strategies/ledger.ts';
import { Controller } from '../search/strategies/reinforce/controller.ts';
import { ReinforceStrategy } from '../search/strategies/reinforce/reinforce.ts';

const space = nasnetSpace({ blocks: 2, ops: ['identity', 'sep_conv_3x3', 'max_pool_3x3'] });
const settings = { ...REINFORCE_DEFAULTS, hidden: 4, batchSize: 3, learningRate: 0.01, entropyWeight: 0.1 };

describe('REINFORCE step', () => {
  it('is Adam’s first step on the policy-gradient loss with the mean reward as baseline', () => {
    const strategy = new ReinforceStrategy(
      space,
      new ProposalLedger(space, false, []),
      makeRng('samples'),
      makeRng('init'),
      settings,
    );
    const before = strategy.controller.theta.slice();
    const sampled = strategy.propose(3).map((c) => c.choices);
    const rewards = [0.2, 0.5, 0.9];

    // By hand: the same controller (same initial weights), the loss from its log-probabilities and entropies.
    const reference = new Controller(space, settings, makeRng('init'));
    expect(reference.theta).toEqual(before);
    const baseline = (0.2 + 0.5 + 0.9) / 3;
    const loss = () =>
      sampled.reduce((sum, choices, i) => {
        const path = reference.run({ choices });
        return sum + (-(rewards[i] - baseline) * path.logProb - settings.entropyWeight * path.entropy) / 3;
      }, 0);
    const eps = 1e-5;
    const gradient = before.map((value, k) => {
      reference.theta[k] = value + eps;
      reference.weightsChanged();
      const plus = loss();
      reference.theta[k] = value - eps;
      reference.weightsChanged();
      const minus = loss();
      reference.theta[k] = value;
      reference.weightsChanged();
      return (plus - minus) / (2 * eps);
    });

    strategy.observe(sampled.map((choices, i) => ({ choices, fidelity: 0, reward: rewards[i] })));
    const after = strategy.controller.theta;

    // Adam's first step: m = (1 - b1) g and v = (1 - b2) g^2 bias-corrected to g and g^2, so
    // theta moves by -lr * g / (|g| + 1e-8): the learning rate against the gradient's sign.
    let moved = 0;
    gradient.forEach((g, k) => {
      const step = after[k] - before[k];
      if (g === 0) expect(step).toBe(0);
      else if (Math.abs(g) > 1e-4) {
        expect(step).toBeCloseTo(-settings.learningRate * Math.sign(g), 5);
        moved++;
      }
    });
    expect(moved).toBeGreaterThan(before.length / 4);

    // The baseline after the update: the moving average from the mean, over the rewards in order.
    let expected = baseline;
    for (const r of rewards) expected = settings.baselineDecay * expected + (1 - settings.baselineDecay) * r;
    expect(strategy.summary()).toMatchObject({ updates: 1, baseline: expect.closeTo(expected, 12) });
  });
});
