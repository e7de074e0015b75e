/**
 * The fused optimizer steps (one wasm kernel call per step over every variable) against tfjs's
 * optimizers on the wasm backend: weights and optimizer state equal to the bit, not within a
 * tolerance, so that trainings keep their results under the same engine version.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { selectBackend } from '../engine/backend.ts';
import { restoreCheckpoint, serializeCheckpoint } from '../engine/checkpoint.ts';
import { trainModel, TrainingCancelledError } from '../engine/loop.ts';
import { createOptimizer, disposeOptimizer, setLearningRate } from '../engine/optimizers.ts';
import { OPTIMIZER_UPDATE_KERNELS } from '../kernels/optimizer-updates.ts';
import { fixtureData, tinyModel, tinyProtocol, twinModel } from './support/training.ts';

const RULES = ['adam', 'momentum', 'sgd', 'rmsprop'] as const;
/** Sizes 7, 15, 90, 1, 143 and 4: the scalar tail of the kernel runs for most. */
const SHAPES = [[7], [3, 5], [2, 3, 3, 5], [1], [13, 11], [4]];

const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

async function optimizerBits(optimizer: tf.Optimizer): Promise<Array<{ name: string; bits: number[] }>> {
  const named = await optimizer.getWeights();
  const extras = ['accBeta1', 'accBeta2']
    .map((name) => ({ name, tensor: (optimizer as unknown as Record<string, tf.Tensor | undefined>)[name] }))
    .filter((e): e is { name: string; tensor: tf.Tensor } => e.tensor instanceof tf.Tensor);
  const out = [...named, ...extras].map(({ name, tensor }) => ({
    name: name.replace(/^.*?(\/\w+)$/, '$1'),
    bits: tensor.dtype === 'int32' ? Array.from(tensor.dataSync()) : bits(tensor),
  }));
  for (const { tensor } of named) if (!(tensor instanceof tf.Variable)) tensor.dispose();
  return out;
}

function kernelNames(f: () => void): Promise<string[]> {
  return tf.profile(f).then((info) => info.kernels.map((k) => k.name));
}

/** N steps of `rule` on variables of odd sizes with seeded random gradients (some tiny, some huge) and changing rates (tfjs draws an unseeded stream for seed 0). */
async function randomSteps(rule: (typeof RULES)[number], fused: boolean, steps: number) {
  const variables = SHAPES.map((shape, i) =>
    tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, 1, 'float32', 100 + i))),
  );
  const optimizer = createOptimizer({ optimizer: rule, learningRate: 0.01 }, { fused });
  const kernels: string[] = [];
  for (let step = 0; step < steps; step++) {
    setLearningRate(optimizer, 0.01 * (1 + Math.cos(step)) + 1e-4);
    const gradients = tf.tidy(() =>
      Object.fromEntries(
        variables.map((v, i) => {
          const scale = [1, 1e-6, 3e3, 1, 0.1, 1][i];
          return [v.name, tf.mul(tf.randomNormal(v.shape, 0, 1, 'float32', 1 + step * 31 + i), scale)];
        }),
      ),
    );
    // tfjs's other form of the argument, a list in variable order, on every other step.
    const given = step % 2 ? variables.map((v) => ({ name: v.name, tensor: gradients[v.name] })) : gradients;
    if (step === steps - 1) kernels.push(...(await kernelNames(() => optimizer.applyGradients(given))));
    else optimizer.applyGradients(given);
    tf.dispose(gradients);
  }
  const result = { weights: variables.map(bits), state: await optimizerBits(optimizer), kernels };
  disposeOptimizer(optimizer);
  tf.dispose(variables);
  return result;
}

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});

describe('fused optimizer steps equal tfjs optimizers to the bit on wasm', () => {
  it.each(RULES)('%s: 30 steps of random gradients on odd sizes, in one kernel call per step', async (rule) => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const reference = await randomSteps(rule, false, 30);
    const fused = await randomSteps(rule, true, 30);
    expect(fused.weights).toEqual(reference.weights);
    expect(fused.state).toEqual(reference.state);
    expect(fused.kernels).toEqual([OPTIMIZER_UPDATE_KERNELS[rule]]);
    expect(reference.kernels.length).toBeGreaterThanOrEqual(2 * SHAPES.length);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves a tensor sharing an optimizer state buffer untouched (the state gets a buffer of its own)', async () => {
    await tf.setBackend('wasm');
    const w = tf.tidy(() => tf.variable(tf.randomNormal([5, 3], 0, 1, 'float32', 7)));
    const optimizer = createOptimizer({ optimizer: 'momentum', learningRate: 0.1 });
    const gradient = tf.randomNormal([5, 3], 0, 1, 'float32', 8);
    try {
      optimizer.applyGradients({ [w.name]: gradient });
      const [, accumulation] = await optimizer.getWeights();
      const alias = tf.clone(accumulation.tensor); // the wasm Identity kernel shares the buffer
      const aliasBefore = bits(alias);
      optimizer.applyGradients({ [w.name]: gradient });
      expect(bits(alias)).toEqual(aliasBefore);
      expect(bits(accumulation.tensor)).not.toEqual(aliasBefore);
      alias.dispose();
    } finally {
      disposeOptimizer(optimizer);
      tf.dispose([w, gradient]);
    }
  });

  it('falls back to tfjs on the cpu backend', async () => {
    await tf.setBackend('cpu');
    try {
      expect(tf.getKernel(OPTIMIZER_UPDATE_KERNELS.adam, 'cpu')).toBeUndefined();
      const reference = await randomSteps('adam', false, 3);
      const fused = await randomSteps('adam', true, 3);
      expect(fused.weights).toEqual(reference.weights);
      expect(fused.kernels).toEqual(reference.kernels);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});

describe('training with fused optimizer steps', () => {
  const base = tinyProtocol({ trainSize: 150, valSize: 40, testSize: 20, epochs: 2, batchSize: 32 });
  const fixture = fixtureData(base, { train: 220, test: 30 });
  afterAll(() => fixture.cleanup());

  async function train(model: tf.LayersModel, protocol: TrainingProtocol, optimizer: tf.Optimizer, startEpoch = 0) {
    return trainModel({ model, data: fixture.data, protocol, optimizer, startEpoch });
  }

  const weightBits = (model: tf.LayersModel) => model.getWeights().map(bits);

  it.each(['adam', 'rmsprop'] as const)(
    '%s: a small network trains to the same bits as with tfjs (cosine schedule, 5 steps an epoch)',
    async (name) => {
      await tf.setBackend('wasm');
      const protocol: TrainingProtocol = { ...base, optimizer: name, lrSchedule: 'cosine' };
      const referenceModel = tinyModel();
      const fusedModel = twinModel(referenceModel);
      const reference = createOptimizer(protocol, { fused: false });
      const fused = createOptimizer(protocol);
      try {
        const a = await train(referenceModel, protocol, reference);
        const b = await train(fusedModel, protocol, fused);
        expect(b.epochs).toEqual(a.epochs.map((e, i) => ({ ...e, seconds: b.epochs[i].seconds })));
        expect(weightBits(fusedModel)).toEqual(weightBits(referenceModel));
        expect(await optimizerBits(fused)).toEqual(await optimizerBits(reference));
      } finally {
        for (const o of [reference, fused]) disposeOptimizer(o);
        for (const m of [referenceModel, fusedModel]) m.dispose();
      }
    },
  );

  it('a checkpoint taken mid-training resumes to the bits of an uninterrupted tfjs training, either way round', async () => {
    await tf.setBackend('wasm');
    const protocol: TrainingProtocol = { ...base, optimizer: 'adam', lrSchedule: 'cosine' };
    const uninterrupted = tinyModel();
    const models = [uninterrupted, twinModel(uninterrupted), twinModel(uninterrupted)];
    const optimizers: tf.Optimizer[] = [];
    const make = (fused: boolean) => {
      const o = createOptimizer(protocol, { fused });
      optimizers.push(o);
      return o;
    };
    try {
      await train(uninterrupted, protocol, make(false));
      const expected = weightBits(uninterrupted);
      const expectedState = await optimizerBits(optimizers[0]);
      // Epoch 0 on one path, checkpointed, resumed in a fresh model and optimizer on the other.
      for (const [firstFused, model] of [
        [true, models[1]],
        [false, models[2]],
      ] as const) {
        const first = make(firstFused);
        const bytes = await firstEpochCheckpoint(model, protocol, first);
        const resumedModel = tinyModel();
        const resumed = make(!firstFused);
        const { epoch } = await restoreCheckpoint(bytes, { model: resumedModel, optimizer: resumed });
        await train(resumedModel, protocol, resumed, epoch + 1);
        expect(weightBits(resumedModel)).toEqual(expected);
        expect(await optimizerBits(resumed)).toEqual(expectedState);
        resumedModel.dispose();
      }
    } finally {
      for (const o of optimizers) disposeOptimizer(o);
      for (const m of models) m.dispose();
    }
  });

  async function firstEpochCheckpoint(model: tf.LayersModel, protocol: TrainingProtocol, optimizer: tf.Optimizer) {
    const controller = new AbortController();
    let bytes: Uint8Array | undefined;
    try {
      await trainModel({
        model,
        data: fixture.data,
        protocol,
        optimizer,
        signal: controller.signal,
        onEpoch: async (m) => {
          bytes = await serializeCheckpoint({ epoch: m.epoch, model, optimizer });
          controller.abort(new Error('stop after the first epoch'));
        },
      });
    } catch (err) {
      if (!(err instanceof TrainingCancelledError)) throw err;
    }
    return bytes!;
  }
});
