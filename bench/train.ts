/**
 * Training throughput on every tfjs backend that loads.
 *
 *   npm run bench:train [-- --json] [--threads 2] [--batches 30] [--nasnet-batches 2]
 *       [--budget 90] [--backends tensorflow,wasm,cpu] [--models lenet5,nasnet] [--profile] [--torch]
 *       [--optimizer sgd|adam|momentum|rmsprop] [--optimizer-step fused|tfjs]
 *
 * --optimizer (default sgd) is created as a training protocol's is (engine/optimizers.ts): its
 * step fused into one kernel call on wasm (engine/fused-optimizers.ts); --optimizer-step tfjs
 * keeps tfjs's per-variable kernels, for a before/after comparison in one session.
 *
 * With --threads N (> 1), each model is also trained by trainModel on wasm on 1 thread and on N
 * (engine/parallel-step.ts) in the same run, and the ratio is reported (bench/thread-scaling.ts).
 * XNNPACK's own threads stay at 1: on NASNet-A they gave 81 vs 78 samples/s at 2.
 *
 * With --torch, Debian's python3-torch trains the same graphs at 1 and 2 threads, NCHW and
 * channels_last, in the same run (bench/torch-side-by-side.ts), and the targets compare us with it.
 *
 * For each backend: the GMAC/s of a 512x512 matmul (the ceiling: the best of
 * a measurement before and one after the models), then
 * LeNet-5 and NASNet-A (N=1, F=16) trained (SGD unless --optimizer says otherwise) on random
 * Fashion-MNIST-shaped batches of 128. Training work is the cost model's
 * forward MACs x 3. Rates are printed in GMAC/s and GFLOP/s (1 MAC = 2 FLOPs,
 * for both training and matmul); ratios are unit-free.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { baselineGraph } from '../cells/baselines/index.ts';
import { buildModel } from '../cells/builders/tfjs.ts';
import { graphCost } from '../cells/cost.ts';
import type { LayerGraph } from '../cells/graph.ts';
import { NASNET_A, nasnetGraph } from '../cells/nasnet/index.ts';
import { OPTIMIZERS, type TrainingProtocol } from '../contracts/protocol.ts';
import { selectBackend, type BackendPreference } from '../engine/backend.ts';
import { createOptimizer, disposeOptimizer } from '../engine/optimizers.ts';
import { kernelProfile } from './kernel-profile.ts';
import { threadScaling, type ThreadScaling } from './thread-scaling.ts';
import { torchRate, torchRates, torchVersion, type TorchModelRates } from './torch-side-by-side.ts';

const BATCH = 128;
const INPUT = { height: 28, width: 28, channels: 1 };
const CLASSES = 10;
/**
 * Largest NASNet-A micro-batch per backend. tfjs keeps about 50 MB of tensors
 * per NASNet-A sample alive during a training step, so a batch of 128 (6.4 GB)
 * cannot fit the 4 GB wasm32 heap; on wasm a batch of 128 is trained as
 * micro-batches whose gradients are summed before one optimizer step.
 * The cpu backend is slow enough that small micro-batches keep the time
 * budget meaningful.
 */
const NASNET_MICRO_BATCH: Record<string, number> = { wasm: 32, cpu: 8, tensorflow: BATCH };

interface Options {
  json: boolean;
  /** Training threads compared with one (bench/thread-scaling.ts); 1: no comparison. */
  threads: number;
  batches: number;
  nasnetBatches: number;
  budgetSeconds: number;
  backends: Array<Exclude<BackendPreference, 'auto'>>;
  models: string[];
  profile: boolean;
  torch: boolean;
  optimizer: TrainingProtocol['optimizer'];
  optimizerStep: 'fused' | 'tfjs';
}

interface ModelResult {
  model: string;
  forwardMacsPerSample: number;
  batchSize: number;
  microBatch: number;
  batchesTimed: number;
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  trainingGmacPerSecond: number;
  trainingGflopPerSecond: number;
  /** Training GMAC/s over matmul GMAC/s on the same backend. */
  ratioToMatmul: number;
  /** True when the time budget ended the run inside a batch of 128. */
  partial: boolean;
  /** Kernel time of one (micro-)batch step, by kernel, and by kind of kernel. */
  profile?: Array<{ kernel: string; ms: number; calls: number }>;
  profileByKind?: Record<string, number>;
  /** Kernel calls of that step, all kernels. */
  kernelCalls?: number;
}

interface BackendResult {
  backend: string;
  device?: string;
  error?: string;
  /** The best of the two measurements, before and after the models. */
  matmulGmacPerSecond?: number;
  matmulGflopPerSecond?: number;
  matmulGmacPerSecondBeforeAfter?: [number, number];
  models: ModelResult[];
  threadScaling?: ThreadScaling[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    json: false,
    threads: 1,
    batches: 30,
    nasnetBatches: 2,
    budgetSeconds: 90,
    backends: ['tensorflow', 'wasm', 'cpu'],
    models: ['lenet5', 'nasnet'],
    profile: false,
    torch: false,
    optimizer: 'sgd',
    optimizerStep: 'fused',
  };
  const number = (flag: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min)
      throw new Error(`${flag} must be a number >= ${min}, got ${JSON.stringify(value)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--json':
        options.json = true;
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--torch':
        options.torch = true;
        break;
      case '--threads': {
        const threads = number(flag, argv[++i], 1);
        if (!Number.isInteger(threads) || threads > 8)
          throw new Error(`--threads must be an integer from 1 to 8, got ${threads}`);
        options.threads = threads;
        break;
      }
      case '--batches':
        options.batches = number(flag, argv[++i], 1);
        break;
      case '--nasnet-batches':
        options.nasnetBatches = number(flag, argv[++i], 1);
        break;
      case '--budget':
        options.budgetSeconds = number(flag, argv[++i], 1);
        break;
      case '--backends': {
        const names = (argv[++i] ?? '').split(',');
        const allowed = ['tensorflow', 'wasm', 'cpu'];
        const bad = names.filter((n) => !allowed.includes(n));
        if (bad.length > 0 || names.length === 0)
          throw new Error(`--backends takes a comma list of ${allowed.join(', ')}; got ${JSON.stringify(argv[i])}`);
        options.backends = names as Options['backends'];
        break;
      }
      case '--models': {
        const names = (argv[++i] ?? '').split(',');
        const bad = names.filter((n) => n !== 'lenet5' && n !== 'nasnet');
        if (bad.length > 0)
          throw new Error(`--models takes a comma list of lenet5, nasnet; got ${JSON.stringify(argv[i])}`);
        options.models = names;
        break;
      }
      case '--optimizer': {
        const name = argv[++i] as Options['optimizer'];
        if (!OPTIMIZERS.includes(name))
          throw new Error(`--optimizer must be one of ${OPTIMIZERS.join(', ')}; got ${JSON.stringify(name)}`);
        options.optimizer = name;
        break;
      }
      case '--optimizer-step': {
        const step = argv[++i];
        if (step !== 'fused' && step !== 'tfjs')
          throw new Error(`--optimizer-step must be fused or tfjs; got ${JSON.stringify(step)}`);
        options.optimizerStep = step;
        break;
      }
      default:
        throw new Error(
          `unknown option ${JSON.stringify(flag)}; options: --json --threads N --batches N --nasnet-batches N --budget SECONDS --backends LIST --models LIST --profile --torch --optimizer NAME --optimizer-step fused|tfjs`,
        );
    }
  }
  return options;
}

function matmulGmacPerSecond(): number {
  const n = 512;
  const [a, b] = [tf.randomNormal([n, n], 0, 1, 'float32', 1), tf.randomNormal([n, n], 0, 1, 'float32', 2)];
  try {
    for (let i = 0; i < 3; i++) tf.matMul(a, b).dataSync();
    let best = Infinity;
    for (let round = 0; round < 10; round++) {
      const reps = 4;
      const start = performance.now();
      for (let i = 0; i < reps; i++) {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      }
      best = Math.min(best, (performance.now() - start) / reps);
    }
    return n ** 3 / (best / 1000) / 1e9;
  } finally {
    tf.dispose([a, b]);
  }
}

function randomBatch(rng: () => number, size: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const pixels = Float32Array.from({ length: size * 28 * 28 }, () => rng());
  const labels = Int32Array.from({ length: size }, () => Math.floor(rng() * CLASSES));
  const x = tf.tensor4d(pixels, [size, 28, 28, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES).toFloat()) as tf.Tensor2D;
  return { x, y };
}

/** One optimizer step on a batch, as `parts` micro-batches with summed (averaged) gradients. */
function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor4D,
  y: tf.Tensor2D,
  parts: number,
): void {
  const size = x.shape[0] / parts;
  let total: tf.NamedTensorMap | undefined;
  for (let p = 0; p < parts; p++) {
    const { grads, value } = tf.variableGrads(() =>
      tf.tidy(() => {
        const xs = parts === 1 ? x : x.slice([p * size, 0, 0, 0], [size, 28, 28, 1]);
        const ys = parts === 1 ? y : y.slice([p * size, 0], [size, CLASSES]);
        const predicted = model.apply(xs, { training: true }) as tf.Tensor;
        // Categorical cross-entropy on the softmax output, as tfjs-layers computes it.
        return tf.neg(tf.mean(tf.sum(tf.mul(ys, tf.log(tf.clipByValue(predicted, 1e-7, 1))), -1))) as tf.Scalar;
      }),
    );
    value.dispose();
    if (total == null) {
      total = grads;
    } else {
      const sum: tf.NamedTensorMap = {};
      for (const name of Object.keys(grads)) sum[name] = tf.add(total[name], grads[name]);
      tf.dispose([...Object.values(total), ...Object.values(grads)]);
      total = sum;
    }
  }
  const scaled: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(total!)) scaled[name] = parts === 1 ? g : tf.div(g, parts);
  optimizer.applyGradients(scaled);
  tf.dispose([...Object.values(total!), ...Object.values(scaled)]);
}

async function benchModel(
  name: string,
  graph: LayerGraph,
  backend: string,
  batches: number,
  options: Options,
): Promise<ModelResult> {
  const macs = graphCost(graph).flops;
  const micro = name.startsWith('nasnet') ? Math.min(BATCH, NASNET_MICRO_BATCH[backend] ?? BATCH) : BATCH;
  const parts = BATCH / micro;
  const rng = seedrandom(`bench-train ${name}`);
  const model = buildModel(graph, name);
  const optimizer = createOptimizer(
    { optimizer: options.optimizer, learningRate: 0.01 },
    { fused: options.optimizerStep === 'fused' },
  );
  const { x, y } = randomBatch(rng, BATCH);
  try {
    const budgetMs = options.budgetSeconds * 1000;
    const warmStart = performance.now();
    tf.tidy(() =>
      trainStep(model, optimizer, x.slice([0, 0, 0, 0], [micro, 28, 28, 1]), y.slice([0, 0], [micro, CLASSES]), 1),
    );
    const warmupMs = performance.now() - warmStart;
    // A micro-batch is the unit of work; stop between micro-batches once the budget is spent.
    const microMsEstimate = warmupMs;
    let samples = 0;
    let batchesTimed = 0;
    let partial = false;
    const start = performance.now();
    for (let b = 0; b < batches; b++) {
      const elapsed = performance.now() - start;
      if (b > 0 && elapsed + parts * microMsEstimate > budgetMs) break;
      if (b === 0 && parts * microMsEstimate > budgetMs) {
        // Even one batch of 128 would exceed the budget: time as many micro-batches as fit (at least one).
        const fit = Math.max(1, Math.floor(budgetMs / microMsEstimate));
        for (let p = 0; p < Math.min(fit, parts); p++) {
          tf.tidy(() =>
            trainStep(
              model,
              optimizer,
              x.slice([p * micro, 0, 0, 0], [micro, 28, 28, 1]),
              y.slice([p * micro, 0], [micro, CLASSES]),
              1,
            ),
          );
          samples += micro;
        }
        partial = samples < BATCH;
        batchesTimed = samples / BATCH;
        break;
      }
      tf.tidy(() => trainStep(model, optimizer, x, y, parts));
      samples += BATCH;
      batchesTimed++;
    }
    const seconds = (performance.now() - start) / 1000;
    const samplesPerSecond = samples / seconds;
    const trainingGmac = (3 * macs * samplesPerSecond) / 1e9;
    const result: ModelResult = {
      model: name,
      forwardMacsPerSample: macs,
      batchSize: BATCH,
      microBatch: micro,
      batchesTimed: +batchesTimed.toFixed(3),
      samples,
      seconds: +seconds.toFixed(3),
      samplesPerSecond: +samplesPerSecond.toFixed(2),
      trainingGmacPerSecond: +trainingGmac.toFixed(3),
      trainingGflopPerSecond: +(2 * trainingGmac).toFixed(3),
      ratioToMatmul: 0, // set once the matmul ceiling is known
      partial,
    };
    if (options.profile && backend !== 'cpu') {
      Object.assign(
        result,
        await kernelProfile(() =>
          tf.tidy(() =>
            trainStep(
              model,
              optimizer,
              x.slice([0, 0, 0, 0], [micro, 28, 28, 1]),
              y.slice([0, 0], [micro, CLASSES]),
              1,
            ),
          ),
        ),
      );
    }
    return result;
  } finally {
    tf.dispose([x, y]);
    disposeOptimizer(optimizer);
    model.dispose();
  }
}

const MODELS: Array<{ name: string; graph: () => LayerGraph; batches: (o: Options) => number }> = [
  {
    name: 'lenet5',
    graph: () => baselineGraph({ family: 'baseline', version: 1, name: 'lenet5' }, INPUT, CLASSES),
    batches: (o) => o.batches,
  },
  {
    name: 'nasnet-a N=1 F=16',
    graph: () =>
      nasnetGraph({ ...NASNET_A, network: { cellsPerStage: 1, reductions: 2, filters: 16 } }, INPUT, CLASSES),
    batches: (o) => o.nasnetBatches,
  },
];

async function benchBackend(
  preference: Exclude<BackendPreference, 'auto'>,
  options: Options,
  log: (line: string) => void,
): Promise<BackendResult> {
  let chosen: Awaited<ReturnType<typeof selectBackend>>;
  try {
    chosen = await selectBackend(preference, { threads: 1, log });
  } catch (err) {
    return { backend: preference, error: (err as Error).message.split('\n')[0], models: [] };
  }
  // Measured before and after the models, the best counting: V8 first runs wasm code from its baseline
  // compiler and optimises hot functions in the background, which made a matmul measured first up to
  // 2.6x slower in some runs.
  const before = matmulGmacPerSecond();
  log(`${chosen.backend}: matmul 512x512 ${before.toFixed(2)} GMAC/s`);
  const models: ModelResult[] = [];
  for (const m of MODELS.filter((model) => options.models.some((name) => model.name.startsWith(name)))) {
    const r = await benchModel(m.name, m.graph(), chosen.backend, m.batches(options), options);
    log(`${chosen.backend}: ${m.name}: ${r.samplesPerSecond} samples/s (${r.samples} samples in ${r.seconds} s)`);
    models.push(r);
  }
  const after = matmulGmacPerSecond();
  log(`${chosen.backend}: matmul 512x512 after the models ${after.toFixed(2)} GMAC/s`);
  const matmul = Math.max(before, after);
  for (const r of models) r.ratioToMatmul = +(r.trainingGmacPerSecond / matmul).toFixed(4);
  const scaling: ThreadScaling[] = [];
  if (options.threads > 1 && chosen.backend === 'wasm') {
    for (const m of MODELS.filter((model) => options.models.some((name) => model.name.startsWith(name)))) {
      const timed = m.name.startsWith('nasnet') ? Math.max(3, options.nasnetBatches) : options.batches;
      const s = await threadScaling(m.name, () => buildModel(m.graph(), m.name), options.threads, timed);
      log(
        `${chosen.backend}: ${m.name}: ${s.rates.map((r) => `${r.samplesPerSecond} samples/s on ${r.threads}`).join(', ')}: x${s.speedup}`,
      );
      scaling.push(s);
    }
  }
  const result: BackendResult = {
    backend: chosen.backend,
    device: chosen.device,
    matmulGmacPerSecond: +matmul.toFixed(3),
    matmulGflopPerSecond: +(2 * matmul).toFixed(3),
    matmulGmacPerSecondBeforeAfter: [+before.toFixed(3), +after.toFixed(3)],
    models,
    ...(scaling.length > 0 ? { threadScaling: scaling } : {}),
  };
  return result;
}

function targets(results: BackendResult[], torch: TorchModelRates[]) {
  const find = (backend: string, model: string) =>
    results.find((r) => r.backend === backend)?.models.find((m) => m.model.startsWith(model));
  const lenetWasm = find('wasm', 'lenet5');
  const lenetCpu = find('cpu', 'lenet5');
  const nasnetWasm = find('wasm', 'nasnet');
  const nasnetThreads = results
    .find((r) => r.backend === 'wasm')
    ?.threadScaling?.find((s) => s.model.startsWith('nasnet'));
  const threadTargets = nasnetThreads
    ? [
        {
          target: `NASNet-A ${nasnetThreads.rates[1].threads} threads >= 1.8x 1 thread`,
          value: nasnetThreads.speedup,
          goal: 1.8,
          met: nasnetThreads.speedup >= 1.8,
        },
      ]
    : [];
  const speedup = lenetWasm && lenetCpu ? lenetWasm.samplesPerSecond / lenetCpu.samplesPerSecond : undefined;
  return [
    {
      target: 'LeNet-5 wasm samples/s >= 150 x cpu',
      value: speedup,
      goal: 150,
      met: speedup != null && speedup >= 150,
    },
    {
      target: 'LeNet-5 wasm samples/s >= 2000',
      value: lenetWasm?.samplesPerSecond,
      goal: 2000,
      met: (lenetWasm?.samplesPerSecond ?? 0) >= 2000,
    },
    {
      target: 'NASNet-A wasm training GMAC/s >= 35% of wasm matmul GMAC/s',
      value: nasnetWasm?.ratioToMatmul,
      goal: 0.35,
      met: (nasnetWasm?.ratioToMatmul ?? 0) >= 0.35,
    },
    ...threadTargets,
    ...torchTargets(results, torch),
  ];
}

/** Issue 27's targets against PyTorch channels_last: ours on 1 thread, and on 2 when --threads 2 measured it. */
function torchTargets(results: BackendResult[], torch: TorchModelRates[]) {
  const wasm = results.find((r) => r.backend === 'wasm');
  const target = (model: string, label: string, threads: number, goal: number) => {
    const theirs = torch.find((t) => t.model.startsWith(model));
    const reference = theirs && torchRate(theirs, threads, 'channels_last');
    const ours =
      threads === 1
        ? wasm?.models.find((m) => m.model.startsWith(model))?.samplesPerSecond
        : wasm?.threadScaling?.find((s) => s.model.startsWith(model))?.rates.find((r) => r.threads === threads)
            ?.samplesPerSecond;
    const value = ours !== undefined && reference ? ours / reference : undefined;
    return {
      target: `${label} ${threads} thread(s) >= ${goal}x PyTorch channels_last on ${threads}`,
      value,
      goal,
      met: value !== undefined && value >= goal,
    };
  };
  if (torch.length === 0) return [];
  return [target('nasnet', 'NASNet-A', 1, 1), target('nasnet', 'NASNet-A', 2, 1), target('lenet5', 'LeNet-5', 1, 0.8)];
}

function measureTorch(options: Options, log: (line: string) => void): TorchModelRates[] {
  if (!options.torch) return [];
  const found = torchVersion();
  if ('missing' in found) {
    log(`torch: not compared: ${found.missing}`);
    return [];
  }
  return MODELS.filter((model) => options.models.some((name) => model.name.startsWith(name))).map((m) => {
    const rates = torchRates(m.name, m.graph(), {
      batch: BATCH,
      optimizer: options.optimizer,
      budgetSeconds: Math.min(30, options.budgetSeconds),
      maxSteps: m.name.startsWith('nasnet') ? Math.max(3, options.nasnetBatches) : options.batches,
    });
    log(
      `torch ${rates.torch}: ${m.name}: ${rates.rates.map((r) => `${r.samplesPerSecond} samples/s (${r.threads} thread(s), ${r.layout})`).join(', ')}`,
    );
    return rates;
  });
}

function printTable(results: BackendResult[], torch: TorchModelRates[], options: Options): void {
  console.log(
    `\ntraining throughput, batches of 128, ${options.optimizer} (${options.optimizerStep} step) (rates in GMAC/s; GFLOP/s = 2 x GMAC/s)`,
  );
  for (const r of results) {
    if (r.error) {
      console.log(`\n${r.backend}: not available: ${r.error}`);
      continue;
    }
    console.log(
      `\n${r.backend} on ${r.device}: matmul 512x512 ${r.matmulGmacPerSecond} GMAC/s = ${r.matmulGflopPerSecond} GFLOP/s`,
    );
    for (const m of r.models) {
      const micro = m.microBatch < m.batchSize ? `, micro-batches of ${m.microBatch}` : '';
      const partial = m.partial ? ' (time budget ended inside the first batch)' : '';
      console.log(
        `  ${m.model.padEnd(20)} ${String(m.samplesPerSecond).padStart(9)} samples/s  training ${m.trainingGmacPerSecond} GMAC/s = ${m.trainingGflopPerSecond} GFLOP/s` +
          `  = ${(100 * m.ratioToMatmul).toFixed(1)}% of matmul  [${m.samples} samples, ${m.seconds} s${micro}]${partial}`,
      );
      if (m.profile) {
        console.log(
          `    kernel ms of one step of ${m.microBatch} (${m.kernelCalls} kernel calls), by kind: ` +
            Object.entries(m.profileByKind ?? {})
              .map(([k, ms]) => `${k} ${ms}`)
              .join(', '),
        );
        console.log(
          `    top kernels (ms, calls): ${m.profile.map((p) => `${p.kernel} ${p.ms} (${p.calls})`).join(', ')}`,
        );
      }
    }
  }
  for (const r of results) {
    for (const s of r.threadScaling ?? []) {
      const rates = s.rates.map(
        (t) =>
          `${t.samplesPerSecond} samples/s on ${t.threads} (micro-batches of ${t.microBatch}; ${t.coresUsed} cores used, ${t.samplesPerCpuSecond} samples per CPU second)`,
      );
      console.log(
        `\n${r.backend} ${s.model}, trainModel, ${s.batchesTimed} batches: ${rates.join(', ')}: x${s.speedup}, CPU efficiency ${s.cpuEfficiency} (${s.cpuEfficiencySameSplit} against 1 thread on the same micro-batches)`,
      );
    }
  }
  const wasm = results.find((r) => r.backend === 'wasm');
  for (const t of torch) {
    const ours = wasm?.models.find((m) => m.model === t.model)?.samplesPerSecond;
    console.log(`\nPyTorch ${t.torch}, ${t.model}, batches of 128:`);
    for (const r of t.rates) {
      const ratio = ours === undefined ? '' : `  wasm on 1 thread / this = ${(ours / r.samplesPerSecond).toFixed(2)}x`;
      console.log(
        `  ${r.threads} thread(s), ${r.layout.padEnd(13)} ${String(r.samplesPerSecond).padStart(9)} samples/s${ratio}`,
      );
    }
  }
  console.log('\ntargets');
  for (const t of targets(results, torch)) {
    const value = t.value == null ? 'n/a' : t.value.toFixed(t.goal < 1 ? 3 : 1);
    console.log(`  ${t.met ? 'met ' : 'MISS'} ${t.target}: ${value}`);
  }
}

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const log = options.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const results: BackendResult[] = [];
  for (const backend of options.backends) results.push(await benchBackend(backend, options, log));
  const torch = measureTorch(options, log);
  if (options.json) {
    console.log(
      JSON.stringify(
        {
          batchSize: BATCH,
          optimizer: options.optimizer,
          optimizerStep: options.optimizerStep,
          unit: 'GMAC/s (1 MAC = 2 FLOPs); training MACs = 3 x forward MACs',
          results,
          ...(torch.length > 0 ? { torch } : {}),
          targets: targets(results, torch),
        },
        null,
        2,
      ),
    );
  } else {
    printTable(results, torch, options);
  }
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
