/**
 * The published networks at full size against their references (issue 16).
 *
 * Sources of the reference counts:
 * - params: the Keras applications documentation's table of models
 *   (keras.io/api/applications): NASNetMobile 5,326,716; NASNetLarge
 *   88,949,818; EfficientNetB0..B7 5,330,571 / 7,856,239 / 9,177,569 /
 *   12,320,535 / 19,466,823 / 30,562,527 / 43,265,143 / 66,658,687;
 *   MobileNetV2 3,538,984. Keras' EfficientNets start with a Normalization
 *   layer (mean 3, variance 3, count 1: 7 non-trainable params) that is not
 *   part of the network here; nothing else differs.
 * - NASNet-A (6 @ 768) on CIFAR-10: 3.3M (Zoph et al. 2018, table 1).
 * - multiply-adds: NASNet-A Mobile 564M and Large 23.8B (Zoph et al. 2018,
 *   table 2); EfficientNet-B0..B7 0.39B, 0.70B, 1.0B, 1.8B, 4.2B, 9.9B, 19B,
 *   37B (Tan and Le 2019, table 2); MobileNetV2 300M (Sandler et al. 2018,
 *   table 4).
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import {
  EFFICIENTNET_B0_SMALL,
  NASNET_A,
  NASNET_A_CIFAR,
  NASNET_A_MOBILE,
  PUBLISHED_NETWORKS,
  architectureCost,
  architectureGraph,
  architectureHash,
  batchNormStatistics,
  canonicalArchitecture,
  comparableParams,
  describeArchitecture,
  efficientNetB,
  inferShapes,
  makeDivisible,
  mobileNetV2HeadFilters,
  nasnetSpace,
  publishedNetwork,
  roundFiltersAlways,
  samplePublishedNasnet,
  unusedStates,
  validateArchitecture,
  type Architecture,
  type PublishedNasnetArchitecture,
} from '../cells/index.ts';
import { genotypeError } from './support/genotype-error.ts';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const MNIST = { height: 28, width: 28, channels: 1 };

/** name, our params, reference params, convention params, our MACs, paper MACs. */
const table = PUBLISHED_NETWORKS.map((n) => {
  const cost = architectureCost(n.architecture, n.input, n.classes);
  return { name: n.name, cost, compared: comparableParams(n, cost.params), reference: n.reference };
});

describe('the published networks against their references', () => {
  it('lists NASNet-A CIFAR/Mobile/Large, EfficientNet-B0..B7 and MobileNetV2 1.0 at their published inputs', () => {
    expect(PUBLISHED_NETWORKS.map((n) => `${n.name}@${n.input.height}/${n.classes}`)).toEqual([
      'nasnet-a-cifar@32/10',
      'nasnet-a-mobile@224/1000',
      'nasnet-a-large@331/1000',
      'efficientnet-b0@224/1000',
      'efficientnet-b1@240/1000',
      'efficientnet-b2@260/1000',
      'efficientnet-b3@300/1000',
      'efficientnet-b4@380/1000',
      'efficientnet-b5@456/1000',
      'efficientnet-b6@528/1000',
      'efficientnet-b7@600/1000',
      'mobilenetv2-1.0@224/1000',
    ]);
  });

  it.each(table.filter((r) => r.name !== 'nasnet-a-cifar'))(
    '$name: params equal the Keras count (less its named convention params)',
    ({ cost, reference }) => {
      expect(cost.params + (reference.conventionParams?.params ?? 0)).toBe(reference.params);
      // Any convention difference stays below 2%.
      expect(Math.abs(cost.params / reference.params - 1)).toBeLessThan(0.02);
    },
  );

  it("nasnet-a-cifar: trainable params (the paper's count, without batch norm's moving statistics) within 2% of 3.3M", () => {
    const row = table.find((r) => r.name === 'nasnet-a-cifar')!;
    const network = publishedNetwork('nasnet-a-cifar')!;
    expect(row.cost.params).toBe(3383786);
    expect(batchNormStatistics(network.architecture, network.input, network.classes)).toBe(37248);
    expect(comparableParams(network, row.cost.params)).toBe(3346538);
    expect(Math.abs(comparableParams(network, row.cost.params) / 3.3e6 - 1)).toBeLessThan(0.02);
  });

  it.each(table.filter((r) => r.reference.macs !== undefined))(
    '$name: multiply-adds within 5% of the paper',
    ({ cost, reference }) => {
      expect(Math.abs(cost.flops / reference.macs! - 1)).toBeLessThan(0.05);
    },
  );

  it('prints the table (docs/results.md carries it)', () => {
    const lines = table.map(({ name, cost, compared, reference }) => {
      const diff = (a: number, b: number) => `${(100 * (a / b - 1)).toFixed(3)}%`;
      const macs = reference.macs
        ? `${cost.flops} vs ${reference.macs} (${diff(cost.flops, reference.macs)})`
        : `${cost.flops}`;
      return `${name}: params ${cost.params}, as counted ${compared} vs ${reference.params} (${diff(compared, reference.params)}), MACs ${macs}`;
    });
    console.log(lines.join('\n'));
    expect(lines).toHaveLength(PUBLISHED_NETWORKS.length);
  });
});

describe("today's genotypes keep their meaning", () => {
  it('golden hashes, costs and the default search space id of version 1 are unchanged', () => {
    expect(architectureHash(NASNET_A)).toBe('89a86ba894034bc9');
    expect(architectureHash({ family: 'baseline', version: 1, name: 'lenet5' })).toBe('06067192ecc8fabc');
    expect(architectureCost(NASNET_A, MNIST, 10)).toEqual({ params: 338906, flops: 40940544 });
    expect(nasnetSpace().id).toBe('nasnet-b5-N2R2F16-2da31522');
    expect(canonicalArchitecture(EFFICIENTNET_B0_SMALL)).toEqual(EFFICIENTNET_B0_SMALL);
    expect(Object.keys((canonicalArchitecture(NASNET_A) as typeof NASNET_A).network)).toEqual([
      'cellsPerStage',
      'reductions',
      'filters',
    ]);
    // The 28x28 EfficientNet keeps its stride-1 stem.
    const graph = architectureGraph(EFFICIENTNET_B0_SMALL, MNIST, 10);
    expect(graph.nodes.find((n) => n.name === 'stem')).toMatchObject({ op: 'conv2d', strides: 1 });
  });

  it('stored version-1 rows validate as they are; version 2 is a different network with another hash', () => {
    expect(validateArchitecture(clone(NASNET_A))).toEqual(NASNET_A);
    expect(validateArchitecture(clone(EFFICIENTNET_B0_SMALL))).toEqual(EFFICIENTNET_B0_SMALL);
    const published = publishedNetwork('nasnet-a-cifar')!.architecture;
    expect(validateArchitecture(clone(published))).toEqual(published);
    expect(architectureHash(published)).not.toBe(
      architectureHash({ ...NASNET_A, network: { cellsPerStage: 6, reductions: 2, filters: 32 } }),
    );
    expect(() => validateArchitecture({ ...clone(NASNET_A), version: 3 })).toThrow(
      'version: 3 is not a supported version (1, 2)',
    );
  });
});

describe('NASNet version 2 (published rules)', () => {
  it('validates the output list and the network fields, naming the field', () => {
    const bad = clone(NASNET_A_MOBILE);
    bad.normal.output = [0, 7];
    expect(genotypeError(() => validateArchitecture(bad)).message).toBe(
      'normal.output[1]: 7 is not an integer in 0..6 (0 = h(i-2), 1 = h(i-1), 2+k = block k)',
    );
    const twice = clone(NASNET_A_MOBILE);
    twice.reduction.output = [3, 3];
    expect(genotypeError(() => validateArchitecture(twice)).path).toBe('reduction.output[1]');
    const stem = clone(NASNET_A_MOBILE) as unknown as { network: { stem: string } };
    stem.network.stem = 'tiny';
    expect(genotypeError(() => validateArchitecture(stem)).message).toBe(
      'network.stem: "tiny" is not one of cifar, imagenet',
    );
    const { output: _, ...noOutput } = clone(NASNET_A_MOBILE).normal;
    expect(genotypeError(() => validateArchitecture({ ...clone(NASNET_A_MOBILE), normal: noOutput })).message).toBe(
      'normal.output: is missing',
    );
    const few = clone(NASNET_A_MOBILE);
    few.network.filters = 3;
    expect(genotypeError(() => validateArchitecture(few)).path).toBe('network.filters');
  });

  it('sorts the output list in the canonical form', () => {
    const shuffled = clone(NASNET_A_MOBILE);
    shuffled.normal.output = [6, 0, 5, 2, 4, 3];
    expect(architectureHash(shuffled)).toBe(architectureHash(NASNET_A_MOBILE));
    expect((canonicalArchitecture(shuffled) as PublishedNasnetArchitecture).normal.output).toEqual([0, 2, 3, 4, 5, 6]);
  });

  it('NASNet-A Mobile: 111x111 stem, stem cells to 56 and 28, cell widths 6F in normal and 4F in reduction cells', () => {
    const graph = architectureGraph(NASNET_A_MOBILE, { height: 224, width: 224, channels: 3 }, 1000);
    const shapes = inferShapes(graph);
    const shape = (name: string) => shapes[graph.nodes.find((n) => n.name === name)!.id];
    expect(shape('stem/bn')).toEqual([111, 111, 32]);
    expect(shape('stem0_reduction/out')).toEqual([56, 56, 4 * 11]);
    expect(shape('stem1_reduction/out')).toEqual([28, 28, 4 * 22]);
    expect(shape('cell0_normal/out')).toEqual([28, 28, 6 * 44]);
    expect(shape('cell4_reduction/out')).toEqual([14, 14, 4 * 88]);
    expect(shape('cell13_normal/out')).toEqual([7, 7, 6 * 176]); // 1056 = "4 @ 1056"
    // The first stem cell reads the stem conv as h(i-2) unconverted; the second reduces it.
    expect(graph.nodes.some((n) => n.name.startsWith('stem0_reduction/in0'))).toBe(false);
    expect(shape('stem1_reduction/in0_reduce/bn')).toEqual([56, 56, 22]);
    // h(i-2) of a normal cell has the previous cell's width 6F, so it gets the 1x1 projection.
    expect(shape('cell2_normal/in0/bn')).toEqual([28, 28, 44]);
  });

  it('NASNet-A CIFAR: the first cell concatenates the raw stem after a 1x1 projection, as _combine_unused_states does', () => {
    const graph = architectureGraph(NASNET_A_CIFAR, { height: 32, width: 32, channels: 3 }, 10);
    const shapes = inferShapes(graph);
    const shape = (name: string) => shapes[graph.nodes.find((n) => n.name === name)!.id];
    expect(shape('stem/bn')).toEqual([32, 32, 96]);
    expect(shape('cell0_normal/outh0_project/bn')).toEqual([32, 32, 32]);
    expect(shape('cell0_normal/out')).toEqual([32, 32, 6 * 32]);
    expect(shape('cell6_reduction/out')).toEqual([16, 16, 4 * 64]);
    expect(shape('cell19_normal/out')).toEqual([8, 8, 6 * 128]); // 768 = "6 @ 768"
    expect(shapes[graph.output]).toEqual([10]);
  });

  it("a space whose network has a stem decodes version-2 genotypes with the paper's output rule; decode(encode(a)) is a", () => {
    const network = { ...NASNET_A_CIFAR.network, cellsPerStage: 1, filters: 8, stemFilters: 24 };
    const space = nasnetSpace({ network });
    expect(space.id).toMatch(/^nasnet-b5-N1R2F8-cifar-[0-9a-f]{8}$/);
    const rng = seedrandom('v2-space');
    for (let i = 0; i < 20; i++) {
      const arch = samplePublishedNasnet(rng, { network });
      expect(arch.version).toBe(2);
      expect(arch.normal.output).toEqual(unusedStates(arch.normal));
      expect(space.decode(space.encode(arch))).toEqual(arch);
      const graph = architectureGraph(arch, { height: 16, width: 16, channels: 3 }, 10);
      expect(inferShapes(graph)[graph.output]).toEqual([10]);
    }
    expect(genotypeError(() => space.encode(NASNET_A)).message).toBe(
      'version: this space holds version-2 genotypes, got version 1',
    );
    expect(genotypeError(() => nasnetSpace().encode(NASNET_A_CIFAR)).path).toBe('version');
    const published = clone(NASNET_A_CIFAR);
    published.network = network;
    expect(genotypeError(() => space.encode(published)).path).toBe('normal.output');
  });

  it('describes version 2 with its outputs and stem', () => {
    expect(describeArchitecture(NASNET_A_MOBILE)).toMatch(
      / out\(h0,0,1,2,3,4\) R\[.*\] out\(1,2,3,4\) N=4 R=2 F=44 stem=imagenet\/32$/,
    );
  });
});

describe('EfficientNet version 2 and MobileNetV2', () => {
  it('strides the stem from 112 pixels up, keeps stride 1 below', () => {
    const stem = (arch: Architecture, size: number) =>
      architectureGraph(arch, { height: size, width: size, channels: 3 }, 10).nodes.find((n) => n.name === 'stem');
    expect(stem(efficientNetB(0), 224)).toMatchObject({ strides: 2 });
    expect(stem(efficientNetB(0), 32)).toMatchObject({ strides: 1 });
    expect(stem(efficientNetB(0), 112)).toMatchObject({ strides: 2 });
    expect(stem(efficientNetB(0), 111)).toMatchObject({ strides: 1 });
  });

  it('rounds B4 as Keras does: stem 48, head 1792, repeats ceil(1.8 n)', () => {
    expect([32, 16, 24, 40, 80, 112, 192, 320, 1280].map((c) => roundFiltersAlways(c, 1.4))).toEqual([
      48, 24, 32, 56, 112, 160, 272, 448, 1792,
    ]);
    expect(roundFiltersAlways(40, 1.1)).toBe(48); // 44 + 4 is exactly 48: rounds up, as Python's 44.00000000000001 does
    const graph = architectureGraph(efficientNetB(4), { height: 380, width: 380, channels: 3 }, 1000);
    expect(graph.nodes.filter((n) => n.op === 'depthwiseConv2d' && /^stage4_block\d+_dw$/.test(n.name))).toHaveLength(
      6,
    );
  });

  it('validates table scaling, naming the field', () => {
    const bad = clone(efficientNetB(3)) as unknown as { scaling: Record<string, unknown> };
    bad.scaling.width = 0.5;
    expect(genotypeError(() => validateArchitecture(bad)).message).toBe(
      'scaling.width: must be a number in [1, 4], got 0.5',
    );
    bad.scaling = { width: 1.2, depth: 1.4, resolution: 300 };
    expect(genotypeError(() => validateArchitecture(bad)).path).toBe('scaling.resolution');
    expect(validateArchitecture(clone(efficientNetB(7)))).toEqual(efficientNetB(7));
  });

  it('MobileNetV2: _make_divisible, the head rule and validation', () => {
    expect([32 * 0.35, 16 * 0.35, 24 * 0.35, 320 * 0.75, 32 * 1.4].map((v) => makeDivisible(v))).toEqual([
      16, 8, 8, 240, 48,
    ]);
    expect([0.35, 1, 1.3, 1.4].map(mobileNetV2HeadFilters)).toEqual([1280, 1280, 1664, 1792]);
    expect(
      genotypeError(() => validateArchitecture({ family: 'mobilenetv2', version: 1, width: 1, stemStrides: 3 }))
        .message,
    ).toBe('stemStrides: must be 1 or 2, got 3');
    expect(architectureHash({ family: 'mobilenetv2', version: 1, width: 1.0000000001, stemStrides: 2 })).toBe(
      architectureHash(publishedNetwork('mobilenetv2-1.0')!.architecture),
    );
  });
});
