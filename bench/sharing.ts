/**
 * The weight-sharing network of the default NASNet search space (5 blocks, 13 ops, N=2 R=2 F=16)
 * on Fashion-MNIST-shaped input: its memory, and the cost of its phases on this machine.
 *
 *   node bench/sharing.ts [--threads 1] [--batch 32] [--steps 4] [--score-batch 64]
 *
 * Random pixels and labels: the figures are times and sizes, not accuracies.
 */
import { statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { resolveNasnetSpaceConfig, sampleNasnet } from '../cells/nasnet/index.ts';
import { selectBackend } from '../engine/backend.ts';
import { scoreArchitectures, trainSharedSteps } from '../engine/sharing/phases.ts';
import { loadSharedState } from '../engine/sharing/shared-checkpoint.ts';
import { SharedMomentum } from '../engine/sharing/shared-momentum.ts';
import { SharedNetwork } from '../engine/sharing/shared-network.ts';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    batch: { type: 'string', default: '32' },
    steps: { type: 'string', default: '4' },
    'score-batch': { type: 'string', default: '64' },
  },
});
const threads = Number(values.threads);
const batchSize = Number(values.batch);
const steps = Number(values.steps);
const scoreBatch = Number(values['score-batch']);
const imageShape: [number, number, number] = [28, 28, 1];
const space = resolveNasnetSpaceConfig({});
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(2);
const megabytes = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function randomImages(count: number, seed: string) {
  const rng = seedrandom(seed);
  return {
    x: Float32Array.from({ length: count * 28 * 28 }, () => rng()),
    y: Int32Array.from({ length: count }, () => Math.floor(rng() * 10)),
  };
}

async function main() {
  await selectBackend('wasm', { threads, log: () => {} });
  const dir = mkdtempSync(join(tmpdir(), 'nas-sharing-bench-'));
  const checkpointPath = join(dir, 'shared.ckpt');
  let started = performance.now();
  const network = new SharedNetwork({ space, input: { height: 28, width: 28, channels: 1 }, classes: 10, seed: 1 });
  const optimizer = new SharedMomentum();
  console.log(
    `shared network: ${network.layout.weights.length} weights, ${network.layout.parameters} values ` +
      `(${megabytes(4 * network.layout.parameters)} MB float32), created in ${seconds(started)} s; ` +
      `tfjs holds ${megabytes(tf.memory().numBytes)} MB`,
  );
  const architectures = Array.from({ length: steps }, (_, i) => sampleNasnet(seedrandom(`bench/${i}`), space));
  try {
    started = performance.now();
    await trainSharedSteps({
      network,
      optimizer,
      train: randomImages(batchSize * steps, 'train'),
      imageShape,
      batchSize,
      seed: 1,
      fromStep: 0,
      toStep: steps,
      architectureAt: (step) => architectures[step],
      learningRateAt: () => 0.05,
      checkpointPath,
      checkpointEvery: steps,
      onStep: (step, { loss }) => console.log(`  step ${step}: loss ${loss.toFixed(3)}`),
    });
    const trainSeconds = seconds(started);
    console.log(
      `train: ${steps} steps of ${batchSize} (one sampled architecture each) and one checkpoint in ${trainSeconds} s; ` +
        `checkpoint ${megabytes(statSync(checkpointPath).size)} MB; tfjs holds ${megabytes(tf.memory().numBytes)} MB`,
    );
    started = performance.now();
    await scoreArchitectures({
      network,
      architectures,
      validation: randomImages(scoreBatch, 'validation'),
      imageShape,
      batchSize: scoreBatch,
      batches: 1,
      seed: 1,
      round: 0,
    });
    console.log(
      `score: ${architectures.length} architectures on one validation batch of ${scoreBatch} in ${seconds(started)} s`,
    );
    started = performance.now();
    const restored = await loadSharedState(checkpointPath, network, optimizer);
    console.log(`restore: step ${restored?.step} in ${seconds(started)} s`);
    console.log(`process resident set: ${megabytes(process.memoryUsage().rss)} MB`);
  } finally {
    network.dispose();
    optimizer.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
