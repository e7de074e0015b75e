import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { graphCost, inferShapes } from '../cells/cost.ts';
import {
  canonicalEfficientNet,
  compoundGrid,
  EFFICIENTNET_B0_SMALL,
  efficientNetGraph,
  efficientNetSpace,
  efficientNetString,
  roundFilters,
  roundRepeats,
  sampleEfficientNet,
  scaledNetwork,
  scaledStages,
  validateEfficientNet,
} from '../cells/efficientnet/index.ts';
import { GenotypeError, type EfficientNetArchitecture } from '../contracts/genotypes.ts';

const MNIST = { height: 28, width: 28, channels: 1 };
const B0 = EFFICIENTNET_B0_SMALL;
const withScaling = (arch: EfficientNetArchitecture, scaling: Partial<EfficientNetArchitecture['scaling']>) => ({
  ...arch,
  scaling: { ...arch.scaling, ...scaling },
});

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GenotypeError);
    return (e as Error).message;
  }
  throw new Error('no error thrown');
}

describe('compound scaling rounding', () => {
  it('rounds channels as the official round_filters (EfficientNet-B2 at width 1.1, B3 head at 1.2)', () => {
    expect([32, 16, 24, 40, 80, 112, 192, 320, 1280].map((c) => roundFilters(c, 1.1))).toEqual([
      32, 16, 24, 48, 88, 120, 208, 352, 1408,
    ]);
    expect(roundFilters(1280, 1.2)).toBe(1536);
    expect(roundFilters(16, 1.21)).toBe(24); // 16 fell below 90% of 19.36
    expect(roundFilters(4, 1.1)).toBe(8); // never below 8
    expect(roundFilters(12, 1)).toBe(12); // width 1 keeps the channels as written
  });

  it('rounds repeats up as the official round_repeats (B2 at depth 1.2)', () => {
    expect([1, 2, 2, 3, 3, 4, 1].map((r) => roundRepeats(r, 1.2))).toEqual([2, 3, 3, 4, 4, 5, 2]);
    expect(roundRepeats(3, 1)).toBe(3);
  });

  it('is immune to float noise in c * w', () => {
    expect(180 * 1.4 + 4).toBeLessThan(256); // 255.99999999999997, floor would give 248
    expect(roundFilters(180, 1.4)).toBe(256);
  });

  it('scales stages and resolution by alpha^phi, beta^phi and gamma^phi', () => {
    const a = withScaling(B0, { phi: 2 });
    expect(scaledStages(a).map((s) => [s.repeats, s.filters])).toEqual([
      [2, 16],
      [3, 32],
      [3, 48],
      [5, 56],
      [5, 64],
      [6, 80],
    ]);
    const net = scaledNetwork(a, MNIST);
    expect([net.height, net.width, net.stemFilters, net.headFilters]).toEqual([37, 37, 24, 312]); // 28 * 1.3225 = 37.03
    const g = efficientNetGraph(a, MNIST, 10);
    expect(g.nodes[1]).toMatchObject({ op: 'resize', height: 37, width: 37 });
    expect(efficientNetGraph(B0, MNIST, 10).nodes.some((n) => n.op === 'resize')).toBe(false);
  });

  it('grows graphCost FLOPs by 1.6x-2.5x per unit of phi along alpha 1.2, beta 1.1, gamma 1.15', () => {
    const flops = [0, 1, 2, 3].map((phi) => graphCost(efficientNetGraph(withScaling(B0, { phi }), MNIST, 10)).flops);
    for (let phi = 1; phi <= 3; phi++) {
      const ratio = flops[phi] / flops[phi - 1];
      expect(ratio, `phi ${phi - 1} -> ${phi}`).toBeGreaterThanOrEqual(1.6);
      expect(ratio, `phi ${phi - 1} -> ${phi}`).toBeLessThanOrEqual(2.5);
    }
  });
});

describe('compoundGrid', () => {
  it('lists every (alpha, beta, gamma) on the 0.1 grid with alpha * beta^2 * gamma^2 in 2 +- 0.1', () => {
    // Computed by hand (products in the comments); 1.9 and 2.0 at alpha's edge are inside.
    const expected = [
      [1.0, 1.0, 1.4], // 1.96
      [1.0, 1.1, 1.3], // 2.0449
      [1.0, 1.2, 1.2], // 2.0736
      [1.0, 1.3, 1.1], // 2.0449
      [1.0, 1.4, 1.0], // 1.96
      [1.1, 1.1, 1.2], // 1.91664
      [1.1, 1.2, 1.1], // 1.91664
      [1.2, 1.0, 1.3], // 2.028
      [1.2, 1.1, 1.2], // 2.09088
      [1.2, 1.2, 1.1], // 2.09088
      [1.2, 1.3, 1.0], // 2.028
      [1.3, 1.1, 1.1], // 1.90333
      [1.4, 1.0, 1.2], // 2.016
      [1.4, 1.1, 1.1], // 2.04974
      [1.4, 1.2, 1.0], // 2.016
      [1.6, 1.0, 1.1], // 1.936
      [1.6, 1.1, 1.0], // 1.936
      [1.7, 1.0, 1.1], // 2.057
      [1.7, 1.1, 1.0], // 2.057
      [1.9, 1.0, 1.0], // 1.9
      [2.0, 1.0, 1.0], // 2.0
    ];
    expect(compoundGrid({ step: 0.1, tolerance: 0.1 }).map((c) => [c.alpha, c.beta, c.gamma])).toEqual(expected);
  });

  it('respects max and tolerance, and rejects unusable settings by name', () => {
    expect(compoundGrid({ step: 0.1, tolerance: 0.1, max: 1.5 }).every((c) => c.alpha <= 1.5)).toBe(true);
    expect(compoundGrid({ step: 0.5, tolerance: 0, max: 2 })).toEqual([{ alpha: 2, beta: 1, gamma: 1 }]);
    expect(() => compoundGrid({ step: 0, tolerance: 0.1 })).toThrow('grid.step: must be a number in [0.01, 1]');
    expect(() => compoundGrid({ step: 0.1, tolerance: -1 })).toThrow('grid.tolerance');
  });
});

describe('efficientNetGraph', () => {
  it('builds MBConv blocks: expansion skipped at 1, SE reduce to inChannels/4, skip only at stride 1 and equal channels', () => {
    const g = efficientNetGraph(B0, MNIST, 10);
    const node = (name: string) => g.nodes.find((n) => n.name === name)!;
    const shapes = inferShapes(g);
    expect(node('stage1_block1_expand')).toBeUndefined();
    expect(node('stage2_block1_expand')).toMatchObject({ op: 'conv2d', filters: 8 * 6 });
    expect(node('stage1_block1_se_reduce')).toMatchObject({ filters: 4, activation: 'silu' }); // 16 / 4
    expect(node('stage2_block1_se_reduce')).toMatchObject({ filters: 2 }); // 8 / 4
    expect(node('stage2_block2_se_reduce')).toMatchObject({ filters: 6 }); // 24 / 4
    expect(node('stage2_block2_se_expand')).toMatchObject({ filters: 144, activation: 'sigmoid' });
    expect(shapes[node('stage2_block2_se_pool').id]).toEqual([1, 1, 144]);
    expect(node('stage3_block1_dw')).toMatchObject({ kernel: [5, 5], strides: 2 });
    expect(node('stage1_block1_add')).toBeUndefined(); // 16 -> 8 channels
    expect(node('stage2_block1_add')).toBeUndefined(); // stride 2
    expect(node('stage2_block2_add')?.op).toBe('add');
    expect(node('stage2_block2_project')).toMatchObject({ activation: 'linear', useBias: false });
    expect(g.nodes.filter((n) => n.op === 'depthwiseConv2d')).toHaveLength(15);
    expect(shapes[node('head_silu').id]).toEqual([2, 2, 256]);
    expect(shapes[g.output]).toEqual([10]);
  });
});

describe('validateEfficientNet', () => {
  const stage = (i: number, patch: object) => ({
    ...B0,
    stages: B0.stages.map((s, j) => (i === j ? { ...s, ...patch } : s)),
  });

  it('accepts the base network and returns an equal copy', () => {
    expect(validateEfficientNet(JSON.parse(JSON.stringify(B0)))).toEqual(B0);
  });

  it('names the stage, the field and the allowed values', () => {
    expect(errorOf(() => validateEfficientNet(stage(2, { kernel: 7 })))).toBe(
      'stages[2].kernel: must be 3 or 5, got 7',
    );
    expect(errorOf(() => validateEfficientNet(stage(0, { expansion: 2 })))).toBe(
      'stages[0].expansion: must be one of 1, 4, 6, got 2',
    );
    expect(errorOf(() => validateEfficientNet(stage(1, { repeats: 0 })))).toBe(
      'stages[1].repeats: must be an integer in 1..16, got 0',
    );
    expect(errorOf(() => validateEfficientNet(stage(4, { strides: 3 })))).toBe(
      'stages[4].strides: must be 1 or 2, got 3',
    );
    expect(errorOf(() => validateEfficientNet(stage(3, { filter: 3 })))).toBe(
      'stages[3].filter: unknown field; allowed fields: kernel, expansion, repeats, filters, strides',
    );
    expect(errorOf(() => validateEfficientNet({ ...B0, stages: [] }))).toBe('stages: must be an array of 1..12 stages');
    expect(errorOf(() => validateEfficientNet({ ...B0, family: 'nasnet' }))).toBe(
      'family: must be "efficientnet", got "nasnet"',
    );
    expect(errorOf(() => validateEfficientNet(withScaling(B0, { beta: 0.9 })))).toBe(
      'scaling.beta: must be a number in [1, 4], got 0.9',
    );
  });

  it('rejects coefficients off the compound line unless phi is 0; the tolerance is configurable', () => {
    const steep = withScaling(B0, { alpha: 1.5, beta: 1.1, gamma: 1.15, phi: 1 }); // 2.400338
    expect(errorOf(() => validateEfficientNet(steep))).toBe(
      'scaling: alpha * beta^2 * gamma^2 must be within 2 +- 0.1 when phi != 0, got 2.400338',
    );
    expect(validateEfficientNet(steep, { tolerance: 0.5 }).scaling.alpha).toBe(1.5);
    expect(validateEfficientNet({ ...steep, scaling: { ...steep.scaling, phi: 0 } }).scaling.phi).toBe(0);
    expect(validateEfficientNet(withScaling(B0, { alpha: 1.9, beta: 1, gamma: 1, phi: 2 })).scaling.alpha).toBe(1.9);
  });
});

describe('efficientNetSpace', () => {
  const config = { grid: { step: 0.1, tolerance: 0.1 }, phis: [0, 1, 2] };

  it('has per-stage kernel, expansion and repeats decisions, then coefficients and phi', () => {
    const space = efficientNetSpace(config);
    expect(space.decisions.slice(0, 3)).toEqual([
      { name: 'stages[0].kernel', size: 2 },
      { name: 'stages[0].expansion', size: 3 },
      { name: 'stages[0].repeats', size: 4 },
    ]);
    expect(space.decisions.slice(-2)).toEqual([
      { name: 'scaling.coefficients', size: 21 },
      { name: 'scaling.phi', size: 3 },
    ]);
    expect(efficientNetSpace().decisions).toHaveLength(18);
    expect(efficientNetSpace().id).not.toBe(efficientNetSpace(config).id);
  });

  it('decode(encode(a)) is canonical(a), and encode(decode(c)) is c (coefficients at phi 0 aside)', () => {
    const space = efficientNetSpace(config);
    const rng = seedrandom('round-trip');
    for (let i = 0; i < 300; i++) {
      const choices = space.decisions.map((d) => Math.floor(rng() * d.size));
      const arch = space.decode(choices) as EfficientNetArchitecture;
      expect(arch).toEqual(canonicalEfficientNet(arch));
      expect(validateEfficientNet(arch)).toEqual(arch);
      const again = space.encode(arch);
      if (arch.scaling.phi === 0) choices[choices.length - 2] = 0;
      expect(again).toEqual(choices);
      expect(space.decode(again)).toEqual(canonicalEfficientNet(arch));
    }
    // A non-canonical genotype: noisy coefficients, and coefficients that do not matter at phi 0.
    const noisy = withScaling(B0, { alpha: 1.2000000001, beta: 1.1, gamma: 1.2, phi: 1 });
    expect(space.decode(space.encode(noisy))).toEqual(canonicalEfficientNet(noisy));
    expect(canonicalEfficientNet(noisy).scaling).toEqual({ alpha: 1.2, beta: 1.1, gamma: 1.2, phi: 1 });
    const idle = withScaling(B0, { alpha: 2, beta: 1, gamma: 1, phi: 0 });
    expect(space.decode(space.encode(idle))).toEqual(canonicalEfficientNet(idle));
    expect(canonicalEfficientNet(idle)).toEqual(B0);
  });

  it('refuses to encode genotypes outside the space, naming the field', () => {
    const space = efficientNetSpace(config);
    expect(errorOf(() => space.encode({ ...B0, stemFilters: 32 }))).toBe(
      'stemFilters: this space fixes it to 16, got 32',
    );
    expect(errorOf(() => space.encode(withScaling(B0, { alpha: 1.2, beta: 1.1, gamma: 1.15, phi: 1 })))).toMatch(
      /^scaling: \(alpha 1.2, beta 1.1, gamma 1.15\) is not on this space's compound grid/,
    );
    expect(errorOf(() => space.encode(withScaling(B0, { phi: 3, alpha: 2, beta: 1, gamma: 1 })))).toBe(
      'scaling.phi: must be one of 0, 1, 2 in this space, got 3',
    );
    const narrow = efficientNetSpace({ repeats: [1, 2] });
    expect(errorOf(() => narrow.encode(B0))).toBe('stages[3].repeats: must be one of 1, 2 in this space, got 3');
    expect(errorOf(() => narrow.decode([0]))).toBe('choices: must be an array of 18 indices, got 1');
  });

  it('checks its configuration by name', () => {
    expect(errorOf(() => efficientNetSpace({ kernels: [3, 7] as never }))).toBe('kernels[1]: must be 3 or 5, got 7');
    expect(errorOf(() => efficientNetSpace({ repeats: [] }))).toBe(
      'repeats: must be a non-empty array of integers in 1..16',
    );
    expect(errorOf(() => efficientNetSpace({ grid: { step: 0.5, tolerance: 0.01, max: 1.5 } }))).toMatch(
      /^grid: no \(alpha, beta, gamma\)/,
    );
    expect(errorOf(() => efficientNetSpace({ base: { ...B0, headFilters: 0 } }))).toBe(
      'base.headFilters: must be an integer in 1..2048, got 0',
    );
  });

  it('samples reproducibly from a seed', () => {
    const draw = (seed: string) =>
      Array.from(
        { length: 5 },
        (
          (rng) => () =>
            sampleEfficientNet(rng, config)
        )(seedrandom(seed)),
      );
    expect(draw('a')).toEqual(draw('a'));
    expect(draw('a').map(efficientNetString)).not.toEqual(draw('b').map(efficientNetString));
  });
});
