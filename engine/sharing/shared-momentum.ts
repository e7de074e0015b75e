/**
 * Momentum SGD over shared weights (ENAS trains its shared weights with momentum SGD), as
 * tf.train.momentum computes it (accumulation = momentum x accumulation + gradient; weight -=
 * learning rate x accumulation), applied only to the weights a step's path read: a weight no path
 * has read keeps its value and has no accumulation yet. tfjs' own optimizers cannot serve here:
 * they key their state by the position of a variable in each step's gradient list.
 */
import * as tf from '@tensorflow/tfjs';
import type { SharedNetwork } from './shared-network.ts';

export const SHARED_MOMENTUM = 0.9;

export class SharedMomentum {
  private readonly accumulations = new Map<string, tf.Variable>();

  /** Updates the weights in `gradients` (by key), which it disposes. */
  apply(network: SharedNetwork, gradients: Map<string, tf.Tensor>, learningRate: number): void {
    try {
      for (const [key, gradient] of gradients) {
        const weight = network.variables.get(key);
        if (!weight) throw new Error(`shared momentum: no shared weight ${key}`);
        tf.tidy(() => {
          let accumulation = this.accumulations.get(key);
          if (!accumulation) {
            accumulation = tf.variable(tf.zerosLike(weight), false);
            this.accumulations.set(key, accumulation);
          }
          accumulation.assign(tf.add(tf.mul(accumulation, SHARED_MOMENTUM), gradient));
          weight.assign(tf.sub(weight, tf.mul(accumulation, learningRate)));
        });
      }
    } finally {
      tf.dispose([...gradients.values()]);
    }
  }

  /** The accumulations, by weight key, in key order. */
  state(): [string, tf.Variable][] {
    return [...this.accumulations].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Replaces the state with `state` (tensors it takes over). */
  restore(state: [string, tf.Tensor][]): void {
    this.dispose();
    for (const [key, value] of state) {
      this.accumulations.set(key, tf.variable(value, false));
      value.dispose();
    }
  }

  dispose(): void {
    tf.dispose([...this.accumulations.values()]);
    this.accumulations.clear();
  }
}
