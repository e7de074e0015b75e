/**
 * Every zero-cost proxy of one architecture at initialisation: the network built with the initial
 * weights its training of `seed` starts from (engine/run-training.ts seeds them the same way), its
 * output layer without the softmax (the proxies read logits), scored on one batch. Each proxy's
 * CPU time is the model build plus its own computation, what it costs alone; snip and grad_norm
 * come from one backward pass and both cost that pass.
 */
import * as tf from '@tensorflow/tfjs';
import { architectureGraph } from '../../cells/architecture.ts';
import { buildModel } from '../../cells/builders/tfjs.ts';
import type { LayerGraph } from '../../cells/graph.ts';
import type { InputShape, Architecture } from '../../contracts/genotypes.ts';
import type { ZeroCostProxy } from '../../contracts/estimators.ts';
import { withSeededMathRandom } from '../seeded-random.ts';
import { lossGradientScores } from './loss-gradients.ts';
import { naswot } from './naswot.ts';
import type { ProxyBatch } from './proxy-batch.ts';
import { synflow } from './synflow.ts';
import { threadCpuMark, threadCpuSecondsSince } from '../thread-cpu.ts';

export interface ProxyScore {
  estimator: ZeroCostProxy;
  /** Null when not finite (NASWOT of a batch with two identical activation codes). */
  score: number | null;
  /** Null before Node 23.9 (no process.threadCpuUsage). */
  cpuSeconds: number | null;
}

export interface ProxyJob {
  architecture: Architecture;
  archHash: string;
  input: InputShape;
  classes: number;
  seed: number;
  batch: ProxyBatch;
}

/** The graph with its output's softmax left out: the same layers, names and initial weights. */
export function logitsGraph(graph: LayerGraph): LayerGraph {
  const nodes = graph.nodes.map((node) => {
    if (node.id !== graph.output) return node;
    if (node.op === 'dense' && node.activation === 'softmax') return { ...node, activation: 'linear' as const };
    if (node.op === 'activation' && node.fn === 'softmax') return { ...node, fn: 'linear' as const };
    throw new Error(`logitsGraph: the output node ${node.name} is not a softmax`);
  });
  return { ...graph, nodes };
}

/** The model whose proxies are scored: the training's initial weights, logits out. */
export function initialLogitsModel(job: Omit<ProxyJob, 'batch'>): tf.LayersModel {
  const graph = logitsGraph(architectureGraph(job.architecture, job.input, job.classes));
  return withSeededMathRandom(`${job.seed}/init/${job.archHash}`, () => buildModel(graph));
}

export function scoreArchitecture(job: ProxyJob): ProxyScore[] {
  const buildStart = threadCpuMark();
  const model = initialLogitsModel(job);
  const build = threadCpuSecondsSince(buildStart);
  const { batch } = job;
  const x = tf.tensor4d(batch.x, [batch.y.length, ...batch.imageShape]);
  const labels = tf.tensor1d(batch.y, 'int32');
  const seeded = <T>(fn: () => T) => withSeededMathRandom(`${job.seed}/proxies/${job.archHash}`, fn);
  const timed = <T>(fn: () => T): [T, number | null] => {
    const start = threadCpuMark();
    const result = seeded(fn);
    const own = threadCpuSecondsSince(start);
    return [result, build === null || own === null ? null : build + own];
  };
  try {
    const [naswotScore, naswotCpu] = timed(() => naswot(model, x));
    const [gradients, gradientCpu] = timed(() => lossGradientScores(model, x, labels));
    const [synflowScore, synflowCpu] = timed(() => synflow(model));
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    return [
      { estimator: 'synflow', score: finite(synflowScore), cpuSeconds: synflowCpu },
      { estimator: 'naswot', score: finite(naswotScore), cpuSeconds: naswotCpu },
      { estimator: 'grad_norm', score: finite(gradients.gradNorm), cpuSeconds: gradientCpu },
      { estimator: 'snip', score: finite(gradients.snip), cpuSeconds: gradientCpu },
    ];
  } finally {
    tf.dispose([x, labels]);
    model.dispose();
  }
}
