import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { inferShapes } from '../cells/cost.ts';
import { stableHash } from '../contracts/hash.ts';
import {
  NASNET_A,
  canonicalNasnet,
  nasnetGraph,
  nasnetSpace,
  nasnetString,
  sampleNasnet,
  unconsumedBlocks,
  validateNasnet,
  type NasnetSpaceConfig,
} from '../cells/nasnet/index.ts';
import { NASNET_OPS, type NasnetArchitecture } from '../contracts/genotypes.ts';
import { genotypeError } from './support/genotype-error.ts';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const input = { height: 28, width: 28, channels: 1 };

describe('validateNasnet', () => {
  it('accepts NASNet-A and returns an equal clean copy', () => {
    const copy = validateNasnet(clone(NASNET_A));
    expect(copy).toEqual(NASNET_A);
    expect(copy).not.toBe(NASNET_A);
  });

  it('names the op field and lists the allowed ops', () => {
    const bad = clone(NASNET_A) as unknown as { normal: { blocks: { ops: string[] }[] } };
    bad.normal.blocks[2].ops[1] = 'sep_conv_9x9';
    const error = genotypeError(() => validateNasnet(bad));
    expect(error.path).toBe('normal.blocks[2].ops[1]');
    expect(error.message).toBe(`normal.blocks[2].ops[1]: "sep_conv_9x9" is not one of ${NASNET_OPS.join(', ')}`);
  });

  it('allows block b to read inputs 0..1+b only', () => {
    const bad = clone(NASNET_A);
    bad.reduction.blocks[0].inputs[1] = 2;
    expect(genotypeError(() => validateNasnet(bad)).message).toBe(
      'reduction.blocks[0].inputs[1]: 2 is not an integer in 0..1 (0 = h(i-2), 1 = h(i-1), 2+k = block k of this cell)',
    );
    const ok = clone(NASNET_A);
    ok.reduction.blocks[4].inputs = [5, 5];
    expect(validateNasnet(ok).reduction.blocks[4].inputs).toEqual([5, 5]);
    const negative = clone(NASNET_A);
    negative.normal.blocks[3].inputs[0] = -1;
    expect(genotypeError(() => validateNasnet(negative)).path).toBe('normal.blocks[3].inputs[0]');
  });

  it('checks family, version, combine, fields, block counts and network limits', () => {
    expect(genotypeError(() => validateNasnet({ ...clone(NASNET_A), version: 2 })).message).toBe(
      'version: 2 is not a supported version (1)',
    );
    expect(genotypeError(() => validateNasnet({ ...clone(NASNET_A), family: 'efficientnet' })).path).toBe('family');
    const combine = clone(NASNET_A) as unknown as { normal: { blocks: { combine: string }[] } };
    combine.normal.blocks[1].combine = 'mul';
    expect(genotypeError(() => validateNasnet(combine)).message).toBe(
      'normal.blocks[1].combine: "mul" is not one of add, concat',
    );
    expect(genotypeError(() => validateNasnet({ ...clone(NASNET_A), extra: 1 })).message).toBe(
      'architecture.extra: unknown field; allowed fields are family, version, normal, reduction, network',
    );
    const { network: _, ...noNetwork } = clone(NASNET_A);
    expect(genotypeError(() => validateNasnet(noNetwork)).message).toBe('architecture.network: is missing');
    expect(
      genotypeError(() =>
        validateNasnet({ ...clone(NASNET_A), network: { cellsPerStage: 2, reductions: 2, filters: 1.5 } }),
      ).message,
    ).toBe('network.filters: 1.5 is not an integer in 2..1024');
    expect(genotypeError(() => validateNasnet(clone(NASNET_A), { blocks: 4 })).message).toBe(
      'normal.blocks: must be an array of exactly 4 blocks',
    );
    expect(
      genotypeError(() => validateNasnet(clone(NASNET_A), { ops: ['sep_conv_3x3', 'sep_conv_5x5'] })).message,
    ).toBe('normal.blocks[2].ops[0]: "avg_pool_3x3" is not one of sep_conv_3x3, sep_conv_5x5');
    expect(genotypeError(() => validateNasnet('nasnet')).path).toBe('architecture');
  });
});

describe('canonical form', () => {
  it('treats the two branches of an add block as unordered', () => {
    const swapped = clone(NASNET_A);
    for (const block of [...swapped.normal.blocks, ...swapped.reduction.blocks]) {
      block.inputs.reverse();
      block.ops.reverse();
    }
    expect(stableHash(canonicalNasnet(swapped))).toBe(stableHash(canonicalNasnet(NASNET_A)));
    expect(stableHash(swapped)).not.toBe(stableHash(NASNET_A));
  });

  it('keeps the branch order of a concat block', () => {
    const concat = clone(NASNET_A);
    concat.normal.blocks[0].combine = 'concat';
    const swapped = clone(concat);
    swapped.normal.blocks[0].inputs.reverse();
    swapped.normal.blocks[0].ops.reverse();
    expect(stableHash(canonicalNasnet(swapped))).not.toBe(stableHash(canonicalNasnet(concat)));
  });

  it('sorts add pairs by input, then by op order, and is idempotent', () => {
    const arch = clone(NASNET_A);
    arch.normal.blocks[0] = { inputs: [1, 0], ops: ['identity', 'sep_conv_3x3'], combine: 'add' };
    arch.normal.blocks[1] = { inputs: [1, 1], ops: ['sep_conv_7x7', 'identity'], combine: 'add' };
    const canonical = canonicalNasnet(arch);
    expect(canonical.normal.blocks[0]).toEqual({ inputs: [0, 1], ops: ['sep_conv_3x3', 'identity'], combine: 'add' });
    expect(canonical.normal.blocks[1]).toEqual({ inputs: [1, 1], ops: ['identity', 'sep_conv_7x7'], combine: 'add' });
    expect(canonicalNasnet(canonical)).toEqual(canonical);
  });

  it('survives a JSON round trip unchanged, with the same hash', () => {
    const rng = seedrandom('json');
    for (let i = 0; i < 20; i++) {
      const arch = sampleNasnet(rng, { combine: ['add', 'concat'] });
      const back = validateNasnet(JSON.parse(JSON.stringify(arch)));
      expect(back).toEqual(arch);
      expect(stableHash(back)).toBe(stableHash(arch));
    }
  });
});

describe('nasnetString', () => {
  it('writes NASNet-A compactly', () => {
    expect(nasnetString(NASNET_A)).toBe(
      'N[sep5(1)+sep3(0) | sep5(0)+sep3(0) | avg3(1)+id(0) | avg3(0)+avg3(0) | sep3(1)+id(1)] ' +
        'R[sep5(1)+sep7(0) | max3(1)+sep7(0) | avg3(1)+sep5(0) | id(3)+avg3(2) | sep3(2)+max3(1)] N=2 R=2 F=16',
    );
  });

  it('marks concat blocks with &', () => {
    const arch = clone(NASNET_A);
    arch.reduction.blocks[4].combine = 'concat';
    expect(nasnetString(arch)).toContain('sep3(2)&max3(1)]');
  });
});

describe('nasnetSpace', () => {
  it('has the fixed decision order inputs, inputs, op, op, combine per block, normal cell first', () => {
    const space = nasnetSpace({ blocks: 3, ops: ['sep_conv_3x3', 'identity', 'max_pool_3x3'] });
    expect(space.decisions).toHaveLength(30);
    expect(space.decisions.slice(0, 6)).toEqual([
      { name: 'normal.blocks[0].inputs[0]', size: 2 },
      { name: 'normal.blocks[0].inputs[1]', size: 2 },
      { name: 'normal.blocks[0].ops[0]', size: 3 },
      { name: 'normal.blocks[0].ops[1]', size: 3 },
      { name: 'normal.blocks[0].combine', size: 1 },
      { name: 'normal.blocks[1].inputs[0]', size: 3 },
    ]);
    expect(space.decisions[15]).toEqual({ name: 'reduction.blocks[0].inputs[0]', size: 2 });
    expect(space.decisions[29]).toEqual({ name: 'reduction.blocks[2].combine', size: 1 });
  });

  it('decode(encode(a)) is canonical(a), for add and concat spaces and op subsets', () => {
    const configs: NasnetSpaceConfig[] = [
      {},
      { combine: ['add', 'concat'] },
      { blocks: 2, ops: ['conv_3x3', 'identity', 'avg_pool_3x3'] },
    ];
    configs.forEach((config, c) => {
      const space = nasnetSpace(config);
      const rng = seedrandom(`codec${c}`);
      for (let i = 0; i < 50; i++) {
        const choices = space.decisions.map((d) => Math.floor(rng() * d.size));
        const arch = space.decode(choices) as NasnetArchitecture;
        expect(arch).toEqual(canonicalNasnet(arch));
        const swapped = clone(arch);
        for (const block of swapped.normal.blocks)
          if (block.combine === 'add') {
            block.inputs.reverse();
            block.ops.reverse();
          }
        expect(space.decode(space.encode(swapped))).toEqual(canonicalNasnet(swapped));
      }
    });
    const space = nasnetSpace();
    expect(space.decode(space.encode(NASNET_A))).toEqual(canonicalNasnet(NASNET_A));
  });

  it('rejects genotypes and choices outside the space, naming what is wrong', () => {
    const space = nasnetSpace({ ops: ['sep_conv_3x3', 'identity'] });
    expect(genotypeError(() => space.encode(NASNET_A)).path).toBe('normal.blocks[0].ops[0]');
    const full = nasnetSpace();
    expect(
      genotypeError(() => full.encode({ ...NASNET_A, network: { cellsPerStage: 1, reductions: 2, filters: 16 } })).path,
    ).toBe('network');
    expect(genotypeError(() => full.decode([0, 1])).message).toBe(
      `choices: has 2 items, the space ${full.id} has 50 decisions`,
    );
    const choices = full.decisions.map(() => 0);
    choices[2] = 13;
    expect(genotypeError(() => full.decode(choices)).message).toBe(
      'choices[2] (normal.blocks[0].ops[0]): 13 is not an integer in 0..12',
    );
    expect(genotypeError(() => nasnetSpace({ ops: ['sep_conv_3x3', 'conv_9x9' as never] })).message).toContain(
      'space.ops[1]: "conv_9x9" is not one of',
    );
    expect(genotypeError(() => nasnetSpace({ combine: [] })).path).toBe('space.combine');
  });

  it('has an id that changes with the configuration', () => {
    expect(nasnetSpace().id).toBe('nasnet-b5-N2R2F16-2da31522');
    expect(nasnetSpace({ ops: [...NASNET_OPS].reverse() }).id).toBe(nasnetSpace().id);
    expect(nasnetSpace({ combine: ['add', 'concat'] }).id).not.toBe(nasnetSpace().id);
  });
});

describe('sampleNasnet', () => {
  it('is reproducible from the seed and varies with it', () => {
    const a = sampleNasnet(seedrandom('s1'), { combine: ['add', 'concat'] });
    const b = sampleNasnet(seedrandom('s1'), { combine: ['add', 'concat'] });
    const c = sampleNasnet(seedrandom('s2'), { combine: ['add', 'concat'] });
    expect(a).toEqual(b);
    expect(stableHash(a)).not.toBe(stableHash(c));
    expect(nasnetString(sampleNasnet(seedrandom('golden'), { combine: ['add', 'concat'] }))).toBe(
      'N[max5(0)+sep5(1) | sep5(0)&max3(2) | avg3(2)&conv3(1) | conv3(3)&sep3(4) | c13(0)&sep7(4)] ' +
        'R[sep7(0)+sep7(0) | max3(2)&max7(0) | avg3(1)+sep5(1) | conv1(0)+max5(3) | max3(4)&sep5(3)] N=2 R=2 F=16',
    );
  });

  it('reaches every op, every input index and both combinations', () => {
    const rng = seedrandom('coverage');
    const ops = new Set<string>();
    const lastInputs = new Set<number>();
    const combines = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const arch = sampleNasnet(rng, { combine: ['add', 'concat'] });
      for (const block of [...arch.normal.blocks, ...arch.reduction.blocks]) {
        block.ops.forEach((op) => ops.add(op));
        combines.add(block.combine);
      }
      arch.normal.blocks[4].inputs.forEach((k) => lastInputs.add(k));
    }
    expect([...ops].sort()).toEqual([...NASNET_OPS].sort());
    expect([...lastInputs].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...combines].sort()).toEqual(['add', 'concat']);
  });
});

describe('nasnetGraph', () => {
  it('stacks stem, cells with doubling filters and the head; shapes check out', () => {
    const graph = nasnetGraph(NASNET_A, input, 10);
    const shapes = inferShapes(graph);
    const byName = (name: string) => shapes[graph.nodes.find((n) => n.name === name)!.id];
    expect(byName('stem/bn')).toEqual([28, 28, 16]);
    // Normal cells concatenate all 5 blocks; NASNet-A's reduction cell leaves blocks 2, 3, 4 unread.
    expect(unconsumedBlocks(NASNET_A.normal)).toEqual([0, 1, 2, 3, 4]);
    expect(unconsumedBlocks(NASNET_A.reduction)).toEqual([2, 3, 4]);
    expect(byName('cell1_normal/out')).toEqual([28, 28, 5 * 16]);
    expect(byName('cell2_reduction/out')).toEqual([14, 14, 3 * 32]);
    expect(byName('cell5_reduction/out')).toEqual([7, 7, 3 * 64]);
    expect(byName('cell7_normal/out')).toEqual([7, 7, 5 * 64]);
    expect(graph.nodes.filter((n) => n.name.endsWith('_normal/out'))).toHaveLength(6);
    expect(shapes[graph.output]).toEqual([10]);
    // The cell after a reduction meets h(i-2) at twice the size: factorized reduction.
    expect(byName('cell3_normal/in0_reduce/bn')).toEqual([14, 14, 32]);
  });

  it('gives concat blocks 2F channels and builds cells whose inputs go unused', () => {
    const arch: NasnetArchitecture = {
      family: 'nasnet',
      version: 1,
      normal: { blocks: [{ inputs: [1, 1], ops: ['identity', 'conv_3x3'], combine: 'concat' }] },
      reduction: {
        blocks: [
          { inputs: [0, 0], ops: ['max_pool_7x7', 'dil_conv_3x3'], combine: 'concat' },
          { inputs: [2, 2], ops: ['identity', 'avg_pool_3x3'], combine: 'add' },
        ],
      },
      network: { cellsPerStage: 1, reductions: 1, filters: 5 },
    };
    const graph = nasnetGraph(arch, { height: 9, width: 9, channels: 3 }, 4);
    const shapes = inferShapes(graph);
    const byName = (name: string) => shapes[graph.nodes.find((n) => n.name === name)!.id];
    expect(byName('cell0_normal/b0/concat')).toEqual([9, 9, 10]);
    expect(byName('cell1_reduction/b0/concat')).toEqual([5, 5, 20]);
    expect(byName('cell1_reduction/b1/add')).toEqual([5, 5, 10]);
    expect(graph.nodes.some((n) => n.name.startsWith('cell0_normal/in0'))).toBe(false);
    expect(graph.nodes.some((n) => n.name.startsWith('cell1_reduction/in1'))).toBe(false);
    expect(byName('cell2_normal/in1/bn')).toEqual([5, 5, 10]);
  });

  it('rejects an invalid genotype or class count', () => {
    const bad = clone(NASNET_A);
    bad.normal.blocks[0].inputs[0] = 7;
    expect(() => nasnetGraph(bad, input, 10)).toThrow('normal.blocks[0].inputs[0]');
    expect(() => nasnetGraph(NASNET_A, input, 0)).toThrow('classes must be a positive integer');
  });
});
