/** Which shared weights exist for a NASNet space, and which of them a genotype's network reads. */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { graphCost, inferShapes, liveNodes } from '../cells/cost.ts';
import { resolveNasnetSpaceConfig, sampleNasnet, type NasnetSpaceConfig } from '../cells/nasnet/index.ts';
import { sharedNasnet, type NasnetPath } from '../cells/nasnet/shared-weights.ts';
import type { CellBlock, NasnetArchitecture, NasnetCell } from '../contracts/genotypes.ts';

const input = { height: 28, width: 28, channels: 1 };
const shared = (config: NasnetSpaceConfig = {}) => sharedNasnet(resolveNasnetSpaceConfig(config), input, 10);

const add = (inputs: [number, number], ops: CellBlock['ops']): CellBlock => ({ inputs, ops, combine: 'add' });
const genotype = (normal: NasnetCell, reduction: NasnetCell = normal): NasnetArchitecture => ({
  family: 'nasnet',
  version: 1,
  normal,
  reduction,
  network: { cellsPerStage: 2, reductions: 2, filters: 16 },
});
/** Blocks 1, 3 and 4 are the cell's output (block 0 feeds block 2, block 2 feeds block 3). */
const cell: NasnetCell = {
  blocks: [
    add([0, 1], ['sep_conv_3x3', 'identity']),
    add([0, 1], ['conv_3x3', 'max_pool_3x3']),
    add([2, 1], ['sep_conv_5x5', 'avg_pool_3x3']),
    add([4, 0], ['conv_1x1', 'dil_conv_3x3']),
    add([1, 1], ['conv_1x7_7x1', 'identity']),
  ],
};

const keysOf = (path: NasnetPath) => path.nodes.flatMap((n) => n.weights.map((w) => w.key));
const weightOf = (path: NasnetPath, key: string) => path.nodes.flatMap((n) => n.weights).find((w) => w.key === key);

describe('the shared weights of a NASNet space', () => {
  it('of the default search space (5 blocks, 13 ops, N=2 R=2 F=16): 31,204,154 values in 13,295 weights', () => {
    const network = shared();
    expect({ weights: network.weights.length, parameters: network.parameters }).toEqual({
      weights: 13295,
      parameters: 31204154,
    });
  });

  it('one set per (cell, block, branch, input, op): an op placed alike in two genotypes reads the same weights', () => {
    const network = shared();
    const a = network.path(genotype(cell));
    const moved: NasnetCell = { blocks: cell.blocks.map((b, i) => (i === 2 ? add([3, 1], b.ops) : b)) };
    const b = network.path(genotype(moved));
    const sep5 = (input: number) => `cell0_normal/b2/op0/in${input}/sep5/sep1/dw/kernel`;
    expect(keysOf(a)).toContain(sep5(2));
    expect(keysOf(b)).toContain(sep5(3));
    expect(keysOf(b)).not.toContain(sep5(2));
    // Every other branch of the two genotypes reads the same weights; each cell of the network has its own.
    const others = (keys: string[]) => keys.filter((k) => !k.startsWith('cell') || !/\/b2\/op0\//.test(k));
    expect(others(keysOf(b))).toEqual(others(keysOf(a)));
    expect(keysOf(a)).toContain('cell1_normal/b2/op0/in2/sep5/sep1/dw/kernel');
    expect(new Set(keysOf(a)).size).toBe(keysOf(a).length);
  });

  it("a cell's readers read one slot of rows per block the cell outputs, in block order", () => {
    const network = shared();
    const path = network.path(genotype(cell));
    const in1 = weightOf(path, 'cell1_normal/in1/conv/kernel');
    // Blocks 1, 3, 4 of cell 0 (16 channels each) out of slots for all 5 blocks.
    expect(in1).toMatchObject({
      rows: [
        [16, 16],
        [48, 32],
      ],
      axis: 2,
    });
    expect(network.weights.find((w) => w.key === 'cell1_normal/in1/conv/kernel')?.shape).toEqual([1, 1, 80, 16]);
    expect(weightOf(path, 'head/dense/kernel')).toMatchObject({
      rows: [
        [64, 64],
        [192, 128],
      ],
      axis: 0,
    });
    // A cell reading the stem, and an op reading a state of its own width, read all of their weights.
    expect(weightOf(path, 'cell0_normal/in1/conv/kernel')?.rows).toBeNull();
    expect(weightOf(path, 'cell0_normal/b2/op0/in2/sep5/sep1/dw/kernel')?.rows).toBeNull();
  });

  it('an add block read where concat blocks are possible reads the leading rows of a weight sized for a concat block', () => {
    const network = shared({ combine: ['add', 'concat'] });
    const path = network.path(genotype(cell));
    expect(network.weights.find((w) => w.key === 'cell0_normal/b2/op0/in2/sep5/sep1/dw/kernel')?.shape).toEqual([
      5, 5, 32, 1,
    ]);
    expect(weightOf(path, 'cell0_normal/b2/op0/in2/sep5/sep1/dw/kernel')).toMatchObject({ rows: [[0, 16]], axis: 2 });
    expect(weightOf(path, 'cell1_normal/in1/conv/kernel')).toMatchObject({
      rows: [
        [32, 16],
        [96, 16],
        [128, 16],
      ],
    });
  });

  it('a path reads exactly the trainable weights of its standalone network, for 100 seeded genotypes of two spaces', () => {
    const spaces: NasnetSpaceConfig[] = [
      { network: { cellsPerStage: 1, reductions: 2, filters: 8 } },
      { combine: ['add', 'concat'], blocks: 4, network: { cellsPerStage: 2, reductions: 1, filters: 6 } },
    ];
    const rng = seedrandom('layout');
    const mismatches: string[] = [];
    for (const config of spaces) {
      const network = shared(config);
      for (let i = 0; i < 50; i++) {
        const path = network.path(sampleNasnet(rng, config));
        const shapes = inferShapes(path.graph);
        const live = liveNodes(path.graph);
        const movingStatistics = path.graph.nodes
          .filter((n) => n.op === 'batchNorm' && live[n.id])
          .reduce((sum, n) => sum + 2 * shapes[n.id][shapes[n.id].length - 1], 0);
        const read = path.nodes
          .flatMap((n) => n.weights)
          .reduce((sum, w) => {
            const shape = network.weights.find((s) => s.key === w.key)!.shape;
            const rows = w.rows === null ? shape[w.axis] : w.rows.reduce((s, [, count]) => s + count, 0);
            return sum + shape.reduce((a, d, axis) => a * (axis === w.axis ? rows : d), 1);
          }, 0);
        const standalone = graphCost(path.graph).params - movingStatistics;
        if (read !== standalone) mismatches.push(`${i}: reads ${read}, standalone trains ${standalone}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("refuses a genotype of another network than the space's", () => {
    const network = shared({ network: { cellsPerStage: 1, reductions: 1, filters: 8 } });
    expect(() => network.path(genotype(cell))).toThrow(/network .* is not the space's/);
  });
});
