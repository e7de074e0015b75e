/**
 * A NASNet-shaped DecisionSpace for strategy tests, independent of cells/:
 * per block input 1, input 2, op 1, op 2, combination; normal then reduction
 * cell. Canonical form orders each block's two (input, op) branches, so two
 * choice sequences can be the same architecture, as in the real space.
 */
import { NASNET_OPS, type CellBlock, type DecisionSpace, type NasnetArchitecture } from '../../contracts/genotypes.ts';

export interface ToySpaceOptions {
  /** Ops offered per op decision: the first `ops` of NASNET_OPS. */
  ops?: number;
  /** 1 = the reduction cell copies the normal cell (half the decisions). */
  cells?: 1 | 2;
}

export function toyNasnetSpace(blocks = 2, options: ToySpaceOptions = {}): DecisionSpace {
  const opCount = options.ops ?? NASNET_OPS.length;
  const cellNames = options.cells === 1 ? ['normal'] : ['normal', 'reduction'];
  const decisions = cellNames.flatMap((cell) =>
    Array.from({ length: blocks }, (_, b) => [
      { name: `${cell}.b${b}.input1`, size: 2 + b },
      { name: `${cell}.b${b}.input2`, size: 2 + b },
      { name: `${cell}.b${b}.op1`, size: opCount },
      { name: `${cell}.b${b}.op2`, size: opCount },
      { name: `${cell}.b${b}.combine`, size: 2 },
    ]).flat(),
  );
  const cell = (choices: readonly number[], offset: number): CellBlock[] =>
    Array.from({ length: blocks }, (_, b) => {
      const [i1, i2, o1, o2, c] = choices.slice(offset + 5 * b, offset + 5 * b + 5);
      const branches = [
        [i1, o1],
        [i2, o2],
      ].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      return {
        inputs: [branches[0][0], branches[1][0]],
        ops: [NASNET_OPS[branches[0][1]], NASNET_OPS[branches[1][1]]],
        combine: c === 0 ? 'add' : 'concat',
      };
    });
  const flat = (blocksOf: CellBlock[]): number[] =>
    blocksOf.flatMap((b) => [
      b.inputs[0],
      b.inputs[1],
      NASNET_OPS.indexOf(b.ops[0]),
      NASNET_OPS.indexOf(b.ops[1]),
      b.combine === 'add' ? 0 : 1,
    ]);
  return {
    id: `toy-nasnet-${blocks}-${opCount}-${cellNames.length}`,
    decisions,
    decode(choices): NasnetArchitecture {
      if (choices.length !== decisions.length) throw new Error(`toy space: expected ${decisions.length} choices`);
      return {
        family: 'nasnet',
        version: 1,
        normal: { blocks: cell(choices, 0) },
        reduction: { blocks: cell(choices, cellNames.length === 1 ? 0 : 5 * blocks) },
        network: { cellsPerStage: 1, reductions: 1, filters: 8 },
      };
    },
    encode(arch) {
      if (arch.family !== 'nasnet') throw new Error('toy space: nasnet architectures only');
      const normal = flat(cell(flat(arch.normal.blocks), 0));
      return cellNames.length === 1 ? normal : [...normal, ...flat(cell(flat(arch.reduction.blocks), 0))];
    },
  };
}
