import type { Float64Tape } from '../snapshot.ts';

/** Adam (Kingma and Ba 2015) over a flat parameter vector. */
export class Adam {
  private m: Float64Array;
  private v: Float64Array;
  private t = 0;

  private readonly learningRate: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  constructor(size: number, learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8) {
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  get steps(): number {
    return this.t;
  }

  /** The moments go to the tape; the step count is returned. */
  snapshot(tape: Float64Tape): number {
    tape.write(this.m);
    tape.write(this.v);
    return this.t;
  }

  restore(steps: number, tape: Float64Tape): void {
    this.m = tape.read(this.m.length);
    this.v = tape.read(this.v.length);
    this.t = steps;
  }

  /** theta <- theta - lr * mhat / (sqrt(vhat) + eps), for the gradient of a loss to minimise. */
  step(theta: Float64Array, grad: Float64Array): void {
    this.t += 1;
    const { m, v, beta1, beta2, epsilon } = this;
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    const rate = this.learningRate;
    for (let k = 0; k < theta.length; k++) {
      const g = grad[k];
      m[k] = beta1 * m[k] + (1 - beta1) * g;
      v[k] = beta2 * v[k] + (1 - beta2) * g * g;
      theta[k] -= (rate * (m[k] / correction1)) / (Math.sqrt(v[k] / correction2) + epsilon);
    }
  }
}
