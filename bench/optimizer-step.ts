/**
 * The optimizer step alone, fused (one kernel call, engine/fused-optimizers.ts) against tfjs's
 * per-variable kernels, on the wasm backend with LeNet-5's and NASNet-A's (N=1, F=16) variables:
 *
 *   node bench/optimizer-step.ts [--steps 40] [--optimizers adam,sgd,momentum,rmsprop]
 *
 * Both paths take turns in rounds of `steps` steps on the same gradients; per path the median
 * round counts, in wall and in CPU milliseconds per step (CPU time is the steadier figure on a
 * shared machine). Kernel calls per step are counted by tf.profile.
 */
import * as tf from '@tensorflow/tfjs';
import { baselineGraph } from '../cells/baselines/index.ts';
import { buildModel } from '../cells/builders/tfjs.ts';
import { NASNET_A, nasnetGraph } from '../cells/nasnet/index.ts';
import { OPTIMIZERS, type TrainingProtocol } from '../contracts/protocol.ts';
import { selectBackend } from '../engine/backend.ts';
import { createOptimizer, disposeOptimizer } from '../engine/optimizers.ts';

const INPUT = { height: 28, width: 28, channels: 1 };
const ROUNDS = 5;
const MODELS = [
  { name: 'lenet5', graph: () => baselineGraph({ family: 'baseline', version: 1, name: 'lenet5' }, INPUT, 10) },
  {
    name: 'nasnet-a N=1 F=16',
    graph: () => nasnetGraph({ ...NASNET_A, network: { cellsPerStage: 1, reductions: 2, filters: 16 } }, INPUT, 10),
  },
];

type Path = 'tfjs' | 'fused';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function parseArgs(argv: string[]): { steps: number; optimizers: Array<TrainingProtocol['optimizer']> } {
  const options = { steps: 40, optimizers: ['adam', 'sgd'] as Array<TrainingProtocol['optimizer']> };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--steps' && Number.isInteger(Number(argv[i + 1])) && Number(argv[i + 1]) > 0) {
      options.steps = Number(argv[++i]);
    } else if (argv[i] === '--optimizers') {
      const names = (argv[++i] ?? '').split(',') as Array<TrainingProtocol['optimizer']>;
      if (names.some((n) => !OPTIMIZERS.includes(n)))
        throw new Error(`--optimizers takes a comma list of ${OPTIMIZERS.join(', ')}; got ${JSON.stringify(argv[i])}`);
      options.optimizers = names;
    } else {
      throw new Error(`unknown or bad option ${JSON.stringify(argv[i])}; options: --steps N (>= 1) --optimizers LIST`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  await selectBackend('wasm', { threads: 1, log: () => {} });
  for (const { name, graph } of MODELS) {
    const model = buildModel(graph(), name);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const gradients: tf.NamedTensorMap = Object.fromEntries(
      variables.map((v, i) => [v.name, tf.randomNormal(v.shape, 0, 1e-3, 'float32', i + 1)]),
    );
    const elements = variables.reduce((sum, v) => sum + v.size, 0);
    for (const optimizer of options.optimizers) {
      const paths: Path[] = ['tfjs', 'fused'];
      const optimizers = paths.map((path) =>
        createOptimizer({ optimizer, learningRate: 1e-3 }, { fused: path === 'fused' }),
      );
      const calls = [];
      for (const o of optimizers) {
        o.applyGradients(gradients); // creates the state, warms up
        calls.push((await tf.profile(() => o.applyGradients(gradients))).kernels.length);
      }
      const wall: number[][] = [[], []];
      const cpu: number[][] = [[], []];
      for (let round = 0; round < ROUNDS; round++) {
        optimizers.forEach((o, p) => {
          const [start, cpuStart] = [performance.now(), process.cpuUsage()];
          for (let s = 0; s < options.steps; s++) o.applyGradients(gradients);
          const used = process.cpuUsage(cpuStart);
          wall[p].push((performance.now() - start) / options.steps);
          cpu[p].push((used.user + used.system) / 1000 / options.steps);
        });
      }
      const [w0, w1, c0, c1] = [median(wall[0]), median(wall[1]), median(cpu[0]), median(cpu[1])];
      console.log(
        `${name} (${variables.length} variables, ${elements} weights), ${optimizer}: ` +
          `tfjs ${calls[0]} kernel calls, ${w0.toFixed(2)} ms wall, ${c0.toFixed(2)} ms CPU per step; ` +
          `fused ${calls[1]} kernel call${calls[1] === 1 ? '' : 's'}, ${w1.toFixed(2)} ms wall, ${c1.toFixed(2)} ms CPU; ` +
          `x${(w0 / w1).toFixed(1)} wall, x${(c0 / c1).toFixed(1)} CPU`,
      );
      for (const o of optimizers) disposeOptimizer(o);
    }
    tf.dispose(gradients);
    model.dispose();
  }
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
