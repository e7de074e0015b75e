/**
 * One training of the reference set, outside Temporal and the database: architecture i of the
 * reference draw (search/reference.ts), trained under the reference protocol (or the cheap one)
 * in a training thread as a trainer would, printing its wall time, the training thread's CPU time
 * and its accuracies. What a reference build costs per training on this machine.
 *
 *   node bench/reference-training.ts [--index 0] [--seed 7] [--cheap] [--backend wasm]
 */
import { parseArgs } from 'node:util';
import { architectureCost, architectureHash, describeArchitecture } from '../cells/index.ts';
import type { BackendPreference } from '../engine/backend.ts';
import { defaultDataDir } from '../engine/data/fashion-mnist.ts';
import { loadDataset } from '../engine/data/datasets.ts';
import { splitDataset } from '../engine/data/split.ts';
import { trainingDataOf } from '../engine/run-training.ts';
import { runTrainingInThread } from '../engine/thread-runner.ts';
import {
  cheapProtocol,
  DEFAULT_REFERENCE_SEED,
  optimizerSteps,
  referenceArchitectures,
  referenceProtocol,
} from '../search/reference.ts';
import { protocolHash } from '../contracts/protocol.ts';

const { values } = parseArgs({
  options: {
    index: { type: 'string', default: '0' },
    seed: { type: 'string', default: String(DEFAULT_REFERENCE_SEED) },
    cheap: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'wasm' },
  },
});
const index = Number(values.index);
const seed = Number(values.seed);
const architecture = referenceArchitectures(seed, index + 1)[index];
const protocol = values.cheap ? cheapProtocol(seed) : referenceProtocol(seed);
const cost = architectureCost(architecture, { height: 28, width: 28, channels: 1 }, 10);
console.log(
  `architecture ${index} (seed ${seed}): ${architectureHash(architecture)}, ${cost.params} params, ${cost.flops} FLOPs`,
);
console.log(`  ${describeArchitecture(architecture)}`);
console.log(
  `protocol ${protocolHash(protocol)}: ${protocol.trainSize} training images, ${optimizerSteps(protocol)} steps of batch ${protocol.batchSize}, test ${protocol.testSize}`,
);

const data = splitDataset(await loadDataset(protocol, defaultDataDir()), protocol);
const started = performance.now();
const run = await runTrainingInThread(
  {
    trialId: 'bench/0',
    architecture,
    archHash: architectureHash(architecture),
    protocol,
    data: trainingDataOf(data),
    checkpoint: null,
    latency: {},
  },
  values.backend as BackendPreference,
  { onStart() {}, onProgress() {}, onEpoch: async () => {}, onUnusableCheckpoint: async () => {} },
);
const wall = (performance.now() - started) / 1000;
if (run.overLatency) throw new Error('no latency budget was given');
const { outcome } = run;
console.log(
  `${outcome.status}: val ${outcome.epochs.at(-1)?.valAccuracy.toFixed(4)}, test ${outcome.testAccuracy?.toFixed(4)}; ` +
    `wall ${wall.toFixed(1)} s (training ${outcome.trainSeconds.toFixed(1)} s), training thread CPU ${run.cpuSeconds?.toFixed(1) ?? '-'} s; ` +
    `latency ${run.latency?.batch1Ms.toFixed(2)} ms at batch 1`,
);
