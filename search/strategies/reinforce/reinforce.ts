/**
 * REINFORCE (Williams 1992) on the LSTM controller, as in Zoph and Le 2017
 * and NASNet/ENAS. Every M observed architectures give one Adam step on
 *   loss = mean_i [ -(R_i - b) * log pi(a_i) - beta * H(pi; a_i) ]
 * where b is an exponential moving average of rewards (initialised to the
 * first batch's mean, then updated after each batch's advantages are taken)
 * and H the summed entropy of the softmaxes along a_i. Seed architectures and
 * any other observed architectures teach it the same way (log pi of the
 * given decisions). Failed candidates count with config failureReward.
 */
import type { DecisionSpace } from '../../../contracts/genotypes.ts';
import type { Rng } from '../../../numeric/rng.ts';
import { LedgerStrategy, type LedgerStrategySnapshot } from '../core.ts';
import type { ProposalLedger } from '../ledger.ts';
import type { Float64Tape } from '../snapshot.ts';
import type { Observation } from '../types.ts';
import { Adam } from './adam.ts';
import { Controller, type ControllerOptions, type Trajectory } from './controller.ts';

export interface ReinforceSettings extends ControllerOptions {
  learningRate: number;
  baselineDecay: number;
  entropyWeight: number;
  batchSize: number;
  failureReward: number;
}

/**
 * The controller's weights and Adam's moments go to the tape. Forward passes kept from sampling
 * are not part of it: an update recomputes the same values from the weights.
 */
interface ReinforceSnapshot extends LedgerStrategySnapshot {
  /** Observed and not yet in an update, as "<choices as text> <reward>". */
  batch: string[];
  baseline: number | null;
  lastEntropy: number | null;
  lastLogProb: number | null;
  uniformFallbacks: number;
  adamSteps: number;
}

/** Forward passes of recent samples kept for their update, while the weights are unchanged. */
const SAMPLED_PATHS_KEPT = 64;

/** Controller samples tried before a uniform draw replaces one that repeats a known architecture. */
const SAMPLE_TRIES = 100;

export class ReinforceStrategy extends LedgerStrategy {
  readonly name = 'reinforce' as const;
  readonly controller: Controller;
  private readonly adam: Adam;
  private readonly grad: Float64Array;
  private batch: Array<{ choices: number[]; reward: number }> = [];
  private baseline: number | null = null;
  private lastEntropy: number | null = null;
  private lastLogProb: number | null = null;
  private uniformFallbacks = 0;
  private sampledPaths = new Map<string, Trajectory>();

  private readonly settings: ReinforceSettings;
  constructor(space: DecisionSpace, ledger: ProposalLedger, rng: Rng, initRng: Rng, settings: ReinforceSettings) {
    super(space, ledger, rng);
    this.settings = settings;
    this.controller = new Controller(space, settings, initRng);
    this.adam = new Adam(this.controller.parameterCount, settings.learningRate);
    this.grad = new Float64Array(this.controller.parameterCount);
  }

  protected draw(): number[] | null {
    let path: Trajectory | null = null;
    const sampled = this.ledger.fresh(() => (path = this.controller.run({ rng: this.rng })).choices, SAMPLE_TRIES);
    if (sampled) {
      const text = this.ledger.codec.toText(sampled);
      if (this.sampledPaths.size < SAMPLED_PATHS_KEPT) this.sampledPaths.set(text, path!);
      return sampled;
    }
    this.uniformFallbacks += 1;
    return this.drawUniform();
  }

  protected learn(observations: Observation[]): void {
    for (const { choices, reward } of observations) {
      this.batch.push({ choices: choices.slice(), reward: reward ?? this.settings.failureReward });
      if (this.batch.length >= this.settings.batchSize) this.update(this.batch.splice(0));
    }
  }

  summary(): Record<string, number | string> {
    return {
      ...super.summary(),
      updates: this.adam.steps,
      baseline: this.baseline ?? 'none',
      entropyPerDecision: this.lastEntropy ?? 'none',
      meanLogProb: this.lastLogProb ?? 'none',
      waitingForUpdate: this.batch.length,
      uniformFallbacks: this.uniformFallbacks,
      parameters: this.controller.parameterCount,
    };
  }

  snapshot(tape: Float64Tape): ReinforceSnapshot {
    const base = super.snapshot(tape);
    tape.write(this.controller.theta);
    const adamSteps = this.adam.snapshot(tape);
    return {
      ...base,
      batch: this.batch.map((b) => `${this.ledger.codec.toText(b.choices)} ${b.reward}`),
      baseline: this.baseline,
      lastEntropy: this.lastEntropy,
      lastLogProb: this.lastLogProb,
      uniformFallbacks: this.uniformFallbacks,
      adamSteps,
    };
  }

  restore(state: ReinforceSnapshot, tape: Float64Tape): void {
    super.restore(state, tape);
    this.controller.theta.set(tape.read(this.controller.parameterCount));
    this.controller.weightsChanged();
    this.adam.restore(state.adamSteps, tape);
    this.batch = state.batch.map((entry, i) => {
      const [text, reward] = entry.split(' ');
      return { choices: this.ledger.codec.fromText(text, `strategy snapshot: batch[${i}]`), reward: Number(reward) };
    });
    this.baseline = state.baseline;
    this.lastEntropy = state.lastEntropy;
    this.lastLogProb = state.lastLogProb;
    this.uniformFallbacks = state.uniformFallbacks;
    this.sampledPaths = new Map();
  }

  private update(batch: Array<{ choices: number[]; reward: number }>): void {
    const { baselineDecay, entropyWeight } = this.settings;
    const rewards = batch.map((b) => b.reward);
    const b = this.baseline ?? rewards.reduce((x, y) => x + y, 0) / rewards.length;
    this.grad.fill(0);
    const paths = batch.map(({ choices, reward }) => ({
      path: this.sampledPaths.get(this.ledger.codec.toText(choices)) ?? this.controller.run({ choices }),
      advantage: reward - b,
    }));
    this.controller.accumulateGradient(this.grad, paths, entropyWeight, 1 / batch.length);
    this.adam.step(this.controller.theta, this.grad);
    this.controller.weightsChanged();
    this.sampledPaths = new Map();
    const entropy = paths.reduce((sum, p) => sum + p.path.entropy, 0);
    const logProb = paths.reduce((sum, p) => sum + p.path.logProb, 0);
    let baseline = b;
    for (const r of rewards) baseline = baselineDecay * baseline + (1 - baselineDecay) * r;
    this.baseline = baseline;
    this.lastEntropy = entropy / batch.length / this.space.decisions.length;
    this.lastLogProb = logProb / batch.length;
  }
}
