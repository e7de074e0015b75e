/**
 * tfjs's Adam, momentum, SGD and RMSProp optimizers whose step, where the
 * backend has the wasm SIMD kernels, is one kernel call over every variable
 * (kernels/optimizer-updates.ts) instead of up to ten kernels per variable.
 *
 * The step is tfjs-core 4.22's to the bit: the kernel does the same float32
 * operations per element in the same order, and the scalars here are the
 * float32 values tfjs's scalar tensors hold (a JS number such as
 * 1 - beta1 computed in double, then rounded once; 1 - accBeta1 and
 * accBeta1 * beta1 computed in float32, which double arithmetic rounded
 * once to float32 reproduces exactly). The optimizers are tfjs's own classes
 * underneath: the same class names, state variables and names, getWeights and
 * setWeights, so checkpoints are interchangeable. On other backends, and for
 * options the kernels do not cover (Nesterov momentum, centered RMSProp),
 * tfjs's step runs.
 */
import * as tf from '@tensorflow/tfjs';
import { OPTIMIZER_UPDATE_KERNELS, optimizerUpdateAvailable, type UpdateRule } from '../kernels/optimizer-updates.ts';

type Gradients = Parameters<tf.Optimizer['applyGradients']>[0];
interface StateSlot {
  originalName: string;
  variable: tf.Variable;
}
interface Update {
  value: tf.Variable;
  gradient: tf.Tensor;
  states: tf.Variable[];
}

const f32 = Math.fround;
const scalarValue = (t: tf.Tensor) => t.dataSync()[0];

/**
 * Walks the gradients as tfjs's optimizers do (variable i of the list owns state slot i, created
 * as zeros on first use even when its gradient is missing) and collects the variables to update.
 */
function updatesOf(gradients: Gradients, slots: StateSlot[][], suffixes: string[]): Update[] {
  const names = Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients);
  const updates: Update[] = [];
  names.forEach((name, i) => {
    const value = tf.engine().registeredVariables[name];
    slots.forEach((list, k) => {
      list[i] ??= {
        originalName: `${name}/${suffixes[k]}`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
    });
    const gradient = Array.isArray(gradients) ? gradients[i].tensor : gradients[name];
    if (gradient != null) updates.push({ value, gradient, states: slots.map((list) => list[i].variable) });
  });
  return updates;
}

/** One kernel call for every update; the variables take the kernel's outputs. */
function runUpdate(rule: UpdateRule, updates: Update[], coefficients: number[]): void {
  if (updates.length === 0) return;
  tf.tidy(() => {
    const inputs: tf.NamedTensorMap = {};
    updates.forEach(({ gradient, value, states }, i) => {
      inputs[`g${i}`] = gradient;
      inputs[`w${i}`] = value;
      states.forEach((state, s) => {
        inputs[`s${i}_${s}`] = state;
      });
    });
    const attrs = { variables: updates.length, coefficients };
    const outputs = tf.engine().runKernel(OPTIMIZER_UPDATE_KERNELS[rule], inputs, attrs) as tf.Tensor[];
    let next = 0;
    for (const { value, states } of updates) {
      value.assign(outputs[next++]);
      for (const state of states) state.assign(outputs[next++]);
    }
  });
}

interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: StateSlot[];
  accumulatedSecondMoment: StateSlot[];
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(gradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!optimizerUpdateAvailable('adam')) {
      super.applyGradients(gradients);
      return;
    }
    const self = this as unknown as AdamInternals;
    const updates = updatesOf(gradients, [self.accumulatedFirstMoment, self.accumulatedSecondMoment], ['m', 'v']);
    const [accBeta1, accBeta2] = [scalarValue(self.accBeta1), scalarValue(self.accBeta2)];
    runUpdate('adam', updates, [
      f32(self.beta1),
      f32(1 - self.beta1),
      f32(self.beta2),
      f32(1 - self.beta2),
      f32(1 - accBeta1),
      f32(1 - accBeta2),
      f32(self.epsilon),
      f32(-self.learningRate),
    ]);
    tf.tidy(() => {
      self.accBeta1.assign(tf.scalar(f32(accBeta1 * f32(self.beta1))));
      self.accBeta2.assign(tf.scalar(f32(accBeta2 * f32(self.beta2))));
    });
    this.incrementIterations();
  }
}

interface MomentumInternals {
  /** tfjs's scalar of the momentum (made once, in the constructor) and of -learningRate. */
  m: tf.Scalar;
  c: tf.Scalar;
  useNesterov: boolean;
  accumulations: StateSlot[];
}

export class FusedMomentumOptimizer extends tf.MomentumOptimizer {
  override applyGradients(gradients: Parameters<tf.MomentumOptimizer['applyGradients']>[0]): void {
    const self = this as unknown as MomentumInternals;
    if (self.useNesterov || !optimizerUpdateAvailable('momentum')) {
      super.applyGradients(gradients);
      return;
    }
    const updates = updatesOf(gradients, [self.accumulations], ['momentum']);
    runUpdate('momentum', updates, [scalarValue(self.m), scalarValue(self.c)]);
    this.incrementIterations();
  }
}

export class FusedSGDOptimizer extends tf.SGDOptimizer {
  override applyGradients(gradients: Parameters<tf.SGDOptimizer['applyGradients']>[0]): void {
    if (!optimizerUpdateAvailable('sgd')) {
      super.applyGradients(gradients);
      return;
    }
    runUpdate('sgd', updatesOf(gradients, [], []), [scalarValue((this as unknown as MomentumInternals).c)]);
    this.incrementIterations();
  }
}

interface RMSPropInternals {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: StateSlot[];
  accumulatedMoments: StateSlot[];
}

export class FusedRMSPropOptimizer extends tf.RMSPropOptimizer {
  override applyGradients(gradients: Parameters<tf.RMSPropOptimizer['applyGradients']>[0]): void {
    const self = this as unknown as RMSPropInternals;
    if (self.centered || !optimizerUpdateAvailable('rmsprop')) {
      super.applyGradients(gradients);
      return;
    }
    const updates = updatesOf(gradients, [self.accumulatedMeanSquares, self.accumulatedMoments], ['rms', 'momentum']);
    runUpdate('rmsprop', updates, [
      f32(self.decay),
      f32(1 - self.decay),
      f32(self.momentum),
      f32(self.learningRate),
      f32(self.epsilon),
    ]);
    this.incrementIterations();
  }
}
