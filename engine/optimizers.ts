/** Optimizers named by a training protocol, with per-step learning rates. */
import * as tf from '@tensorflow/tfjs';
import { OPTIMIZERS, type TrainingProtocol } from '../contracts/protocol.ts';
import {
  FusedAdamOptimizer,
  FusedMomentumOptimizer,
  FusedRMSPropOptimizer,
  FusedSGDOptimizer,
} from './fused-optimizers.ts';

const MOMENTUM = 0.9;

/**
 * The protocol's optimizer: tfjs's, with its step fused into one wasm kernel call per step where
 * the backend has one (fused-optimizers.ts; the same results to the bit). `fused: false` keeps
 * tfjs's own step everywhere (for comparisons).
 */
export function createOptimizer(
  protocol: Pick<TrainingProtocol, 'optimizer' | 'learningRate'>,
  { fused = true }: { fused?: boolean } = {},
): tf.Optimizer {
  const { optimizer, learningRate } = protocol;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new RangeError(`protocol.learningRate must be a positive finite number, got ${learningRate}`);
  }
  // The arguments of tf.train.adam, sgd, momentum and rmsprop (their defaults spelled out).
  switch (optimizer) {
    case 'adam':
      return fused ? new FusedAdamOptimizer(learningRate, 0.9, 0.999) : tf.train.adam(learningRate);
    case 'sgd':
      return fused ? new FusedSGDOptimizer(learningRate) : tf.train.sgd(learningRate);
    case 'momentum':
      return fused ? new FusedMomentumOptimizer(learningRate, MOMENTUM) : tf.train.momentum(learningRate, MOMENTUM);
    case 'rmsprop':
      return fused ? new FusedRMSPropOptimizer(learningRate) : tf.train.rmsprop(learningRate);
    default:
      throw new RangeError(`protocol.optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${String(optimizer)}`);
  }
}

/** Learning rate of a step (0-based) out of `totalSteps` under the protocol's schedule. */
export function scheduledLearningRate(
  protocol: Pick<TrainingProtocol, 'learningRate' | 'lrSchedule'>,
  step: number,
  totalSteps: number,
): number {
  if (protocol.lrSchedule === 'constant') return protocol.learningRate;
  if (protocol.lrSchedule === 'cosine') {
    return protocol.learningRate * 0.5 * (1 + Math.cos((Math.PI * step) / Math.max(1, totalSteps)));
  }
  throw new RangeError(`protocol.lrSchedule must be one of constant, cosine, got ${String(protocol.lrSchedule)}`);
}

type WithRate = tf.Optimizer & { learningRate?: number; setLearningRate?: (lr: number) => void };

export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const target = optimizer as WithRate;
  // SGD and momentum cache -lr as a scalar tensor; adam and rmsprop read the field each step.
  if (typeof target.setLearningRate === 'function') target.setLearningRate(learningRate);
  else target.learningRate = learningRate;
}

/** Disposes every tensor an optimizer holds (MomentumOptimizer.dispose forgets SGD's lr scalar). */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const lrScalar = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (lrScalar && !lrScalar.isDisposed) lrScalar.dispose();
}
