/**
 * Where one training step of one architecture spends its time: an Adam step on random
 * Fashion-MNIST-shaped batches, timed over --steps steps after 5 warm-up steps, then one step
 * under tf.profile: kernel calls, kernel milliseconds, the time outside kernels (dispatch), and
 * the kernels that took longest. For the small cells and batches a search trains, where
 * bench:train's NASNet-A at batch 128 says little.
 *
 *   npm run bench:cell-step -- <genotype.json> [--batches 16,32] [--steps 30] [--backend wasm]
 *
 * The genotype file is what `nas cells show <hash> --json` prints (its `genotype`) or a bare
 * genotype. Compare two versions of the engine by running this on each.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { architectureCost, architectureGraph, describeArchitecture, validateArchitecture } from '../cells/index.ts';
import { buildModel } from '../cells/builders/tfjs.ts';
import { selectBackend, type BackendPreference } from '../engine/backend.ts';
import { createOptimizer, disposeOptimizer } from '../engine/optimizers.ts';
import { kernelProfile } from './kernel-profile.ts';

const INPUT = { height: 28, width: 28, channels: 1 };
const CLASSES = 10;
const WARMUP_STEPS = 5;
const TOP_KERNELS = 8;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batches: { type: 'string', default: '16,32' },
    steps: { type: 'string', default: '30' },
    backend: { type: 'string', default: 'wasm' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: npm run bench:cell-step -- <genotype.json> [--batches 16,32] [--steps 30] [--backend wasm]');
  process.exit(2);
}
const json = JSON.parse(readFileSync(positionals[0], 'utf8')) as { genotype?: unknown };
const architecture = validateArchitecture(json.genotype ?? json);
const batchSizes = values.batches.split(',').map(Number);
const steps = Number(values.steps);

const backend = await selectBackend(values.backend as Exclude<BackendPreference, 'auto'>, {
  threads: 1,
  log: () => {},
});
const cost = architectureCost(architecture, INPUT, CLASSES);
console.log(
  `${describeArchitecture(architecture)}: ${cost.params} params, ${(cost.flops / 1e6).toFixed(2)}M FLOPs; ${backend.device}`,
);

for (const batch of batchSizes) {
  const model = buildModel(architectureGraph(architecture, INPUT, CLASSES), 'cell-step');
  const optimizer = createOptimizer({ optimizer: 'adam', learningRate: 0.001 });
  const x = tf.randomNormal([batch, ...Object.values(INPUT)], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([batch], 0, CLASSES, 'int32', 2) as tf.Tensor1D, CLASSES).toFloat();
  const step = () =>
    tf.tidy(() => {
      optimizer.minimize(() => {
        const predicted = model.apply(x, { training: true }) as tf.Tensor;
        return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(predicted, 1e-7, 1))), -1))) as tf.Scalar;
      });
    });
  for (let i = 0; i < WARMUP_STEPS; i++) step();
  const start = performance.now();
  for (let i = 0; i < steps; i++) step();
  const msPerStep = (performance.now() - start) / steps;

  const { profile, profileByKind, kernelCalls } = await kernelProfile(step);
  const kernelMs = Object.values(profileByKind).reduce((sum, ms) => sum + ms, 0);
  const top = profile.slice(0, TOP_KERNELS).map((k) => `${k.kernel} ${k.ms.toFixed(1)} ms (${k.calls})`);
  console.log(
    `batch ${batch}: ${msPerStep.toFixed(1)} ms per step (${((batch * 1000) / msPerStep).toFixed(0)} samples/s); ` +
      `profiled step: ${kernelCalls} kernel calls, ${kernelMs.toFixed(1)} ms in kernels`,
  );
  console.log(`  longest kernels: ${top.join(', ')}`);
  model.dispose();
  disposeOptimizer(optimizer);
  tf.dispose([x, y]);
}
