/**
 * The REINFORCE controller of Zoph and Le (2017) as used by NASNet and ENAS:
 * a one-layer LSTM that emits the decision sequence of a space one decision
 * at a time. Step t reads the embedding of decision t-1's value (a learned
 * "go" vector at t = 0) and a softmax head turns its hidden state into
 * logits l = C * tanh(u / T) (tanh constant C, temperature T).
 *
 * Heads and value embeddings are shared per decision kind (space.ts
 * decisionKind) like NASNet/ENAS's per-type heads, or kept per position.
 * All parameters live in one Float64Array so Adam and the gradient check see
 * a flat vector; the gradient is hand-written backpropagation through time.
 */
import type { DecisionSpace } from '../../../contracts/genotypes.ts';
import type { Rng } from '../../../numeric/rng.ts';
import { decisionKind } from '../space.ts';

export interface ControllerOptions {
  hidden: number;
  tanhConstant: number | null;
  temperature: number;
  heads: 'kind' | 'position';
}

interface Head {
  size: number;
  embedding: number; // offset of size x H value embeddings
  weight: number; // offset of size x H head weights
  bias: number; // offset of size head biases
}

/** Everything backpropagation needs from one forward step. */
interface Step {
  input: number; // offset into theta of the input vector (go vector or a value embedding)
  hPrev: Float64Array;
  cPrev: Float64Array;
  gates: Float64Array; // i, f, g, o after their nonlinearities, 4H
  tanhC: Float64Array;
  h: Float64Array;
  squash: Float64Array; // tanh(u / T) per logit, for the tanh constant's derivative
  logProbs: Float64Array;
  choice: number;
}

export interface Trajectory {
  choices: number[];
  logProb: number;
  /** Sum over decisions of each softmax's entropy along the path. */
  entropy: number;
  steps: Step[];
}

export class Controller {
  readonly theta: Float64Array;
  private readonly H: number;
  private readonly inputW: number; // 4H x H, rows gate-major (i, f, g, o)
  private readonly recurrentW: number; // 4H x H
  private readonly lstmB: number;
  private readonly go: number;
  private readonly headOf: Head[]; // per decision position
  /**
   * Inputs are a small vocabulary (the go vector and the value embeddings), so
   * their gate pre-activations inputW x + b are computed once per weight
   * version; weightsChanged() drops them.
   */
  private projections = new Map<number, Float64Array>();

  private readonly options: ControllerOptions;
  constructor(space: DecisionSpace, options: ControllerOptions, init: Rng) {
    this.options = options;
    const H = options.hidden;
    this.H = H;
    let size = 0;
    const take = (n: number): number => {
      size += n;
      return size - n;
    };
    this.inputW = take(4 * H * H);
    this.recurrentW = take(4 * H * H);
    this.lstmB = take(4 * H);
    this.go = take(H);
    const heads = new Map<string, Head>();
    this.headOf = space.decisions.map((decision, position) => {
      const key = options.heads === 'kind' ? decisionKind(decision) : String(position);
      let head = heads.get(key);
      if (!head) {
        const n = decision.size;
        head = { size: n, embedding: take(n * H), weight: take(n * H), bias: take(n) };
        heads.set(key, head);
      }
      return head;
    });
    this.theta = new Float64Array(size);
    for (let k = 0; k < size; k++) this.theta[k] = init.next() * 0.2 - 0.1;
  }

  get parameterCount(): number {
    return this.theta.length;
  }

  /** Must be called after theta is modified. */
  weightsChanged(): void {
    this.projections = new Map();
  }

  /** Samples a decision sequence from the policy (rng given) or scores a given one (choices given). */
  run(source: { rng: Rng } | { choices: readonly number[] }): Trajectory {
    const { H, theta, recurrentW } = this;
    const steps: Step[] = [];
    const choices: number[] = [];
    let hPrev = new Float64Array(H);
    let cPrev = new Float64Array(H);
    let input = this.go;
    let logProb = 0;
    let entropy = 0;
    const z = new Float64Array(4 * H);
    for (let t = 0; t < this.headOf.length; t++) {
      const projection = this.projection(input);
      for (let r = 0; r < 4 * H; r++) {
        let sum = projection[r];
        const row = recurrentW + r * H;
        for (let j = 0; j < H; j++) sum += theta[row + j] * hPrev[j];
        z[r] = sum;
      }
      const gates = new Float64Array(4 * H);
      const c = new Float64Array(H);
      const tanhC = new Float64Array(H);
      const h = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const i = sigmoid(z[j]);
        const f = sigmoid(z[H + j]);
        const g = Math.tanh(z[2 * H + j]);
        const o = sigmoid(z[3 * H + j]);
        gates[j] = i;
        gates[H + j] = f;
        gates[2 * H + j] = g;
        gates[3 * H + j] = o;
        c[j] = f * cPrev[j] + i * g;
        tanhC[j] = Math.tanh(c[j]);
        h[j] = o * tanhC[j];
      }
      const head = this.headOf[t];
      const { squash, logits } = this.logits(head, h);
      const logProbs = logSoftmax(logits);
      const choice = 'rng' in source ? sampleIndex(logProbs, source.rng) : source.choices[t];
      logProb += logProbs[choice];
      entropy += softmaxEntropy(logProbs);
      choices.push(choice);
      steps.push({ input, hPrev, cPrev, gates, tanhC, h, squash, logProbs, choice });
      hPrev = h;
      cPrev = c;
      input = head.embedding + choice * H;
    }
    return { choices, logProb, entropy, steps };
  }

  /** The loss of one trajectory: -advantage * log pi(choices) - entropyWeight * entropy. */
  loss(choices: readonly number[], advantage: number, entropyWeight: number): number {
    const path = this.run({ choices });
    return -advantage * path.logProb - entropyWeight * path.entropy;
  }

  /**
   * Adds scale * d loss / d theta to grad, summed over the batch, for the loss
   * above. Paths must come from run() under the current weights.
   */
  accumulateGradient(
    grad: Float64Array,
    batch: ReadonlyArray<{ path: Trajectory; advantage: number }>,
    entropyWeight: number,
    scale: number,
  ): void {
    const { H, theta, recurrentW } = this;
    const { tanhConstant, temperature } = this.options;
    // Gradients reaching each distinct input, applied to inputW, b and the input vectors once at the end.
    const inputGrads = new Map<number, Float64Array>();
    const dz = new Float64Array(4 * H);
    for (const { path, advantage } of batch) {
      let dhNext = new Float64Array(H);
      let dcNext = new Float64Array(H);
      for (let t = path.steps.length - 1; t >= 0; t--) {
        const step = path.steps[t];
        const head = this.headOf[t];
        const dh = dhNext;
        const stepEntropy = softmaxEntropy(step.logProbs);
        for (let a = 0; a < head.size; a++) {
          const p = Math.exp(step.logProbs[a]);
          const dLogit =
            advantage * (p - (a === step.choice ? 1 : 0)) + entropyWeight * p * (step.logProbs[a] + stepEntropy);
          const s = step.squash[a];
          const du = (scale * dLogit * (tanhConstant === null ? 1 : tanhConstant * (1 - s * s))) / temperature;
          grad[head.bias + a] += du;
          const row = head.weight + a * H;
          for (let j = 0; j < H; j++) {
            grad[row + j] += du * step.h[j];
            dh[j] += du * theta[row + j];
          }
        }
        const { gates, tanhC, cPrev, hPrev } = step;
        const dcPrev = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const i = gates[j];
          const f = gates[H + j];
          const g = gates[2 * H + j];
          const o = gates[3 * H + j];
          const dc = dh[j] * o * (1 - tanhC[j] * tanhC[j]) + dcNext[j];
          dz[j] = dc * g * i * (1 - i);
          dz[H + j] = dc * cPrev[j] * f * (1 - f);
          dz[2 * H + j] = dc * i * (1 - g * g);
          dz[3 * H + j] = dh[j] * tanhC[j] * o * (1 - o);
          dcPrev[j] = dc * f;
        }
        let inputGrad = inputGrads.get(step.input);
        if (!inputGrad) inputGrads.set(step.input, (inputGrad = new Float64Array(4 * H)));
        const dhPrev = new Float64Array(H);
        for (let r = 0; r < 4 * H; r++) {
          const d = dz[r];
          inputGrad[r] += d;
          if (d === 0) continue;
          const row = recurrentW + r * H;
          for (let j = 0; j < H; j++) {
            grad[row + j] += d * hPrev[j];
            dhPrev[j] += d * theta[row + j];
          }
        }
        dhNext = dhPrev;
        dcNext = dcPrev;
      }
    }
    const { inputW, lstmB } = this;
    for (const [input, dzSum] of inputGrads) {
      for (let r = 0; r < 4 * H; r++) {
        const d = dzSum[r];
        grad[lstmB + r] += d;
        const row = inputW + r * H;
        for (let j = 0; j < H; j++) {
          grad[row + j] += d * theta[input + j];
          grad[input + j] += d * theta[row + j];
        }
      }
    }
  }

  private projection(input: number): Float64Array {
    let out = this.projections.get(input);
    if (out) return out;
    const { H, theta, inputW, lstmB } = this;
    out = new Float64Array(4 * H);
    for (let r = 0; r < 4 * H; r++) {
      let sum = theta[lstmB + r];
      const row = inputW + r * H;
      for (let j = 0; j < H; j++) sum += theta[row + j] * theta[input + j];
      out[r] = sum;
    }
    this.projections.set(input, out);
    return out;
  }

  private logits(head: Head, h: Float64Array): { squash: Float64Array; logits: Float64Array } {
    const { H, theta } = this;
    const { tanhConstant, temperature } = this.options;
    const squash = new Float64Array(head.size);
    const logits = new Float64Array(head.size);
    for (let a = 0; a < head.size; a++) {
      let u = theta[head.bias + a];
      const row = head.weight + a * H;
      for (let j = 0; j < H; j++) u += theta[row + j] * h[j];
      u /= temperature;
      if (tanhConstant === null) {
        logits[a] = u;
      } else {
        squash[a] = Math.tanh(u);
        logits[a] = tanhConstant * squash[a];
      }
    }
    return { squash, logits };
  }
}

function softmaxEntropy(logProbs: Float64Array): number {
  let entropy = 0;
  for (const l of logProbs) entropy -= Math.exp(l) * l;
  return entropy;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function logSoftmax(logits: Float64Array): Float64Array {
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  let sum = 0;
  for (const l of logits) sum += Math.exp(l - max);
  const logZ = max + Math.log(sum);
  return logits.map((l) => l - logZ);
}

function sampleIndex(logProbs: Float64Array, rng: Rng): number {
  let u = rng.next();
  for (let a = 0; a < logProbs.length; a++) {
    u -= Math.exp(logProbs[a]);
    if (u < 0) return a;
  }
  return logProbs.length - 1;
}
