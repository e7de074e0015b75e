/** Stacks NASNet cells into a classification network (layer graph). */
import { GraphBuilder, type LayerGraph } from '../graph.ts';
import type { InputShape, NasnetArchitecture, NasnetCell, NasnetNetwork } from '../../contracts/genotypes.ts';
import { validateNasnet } from './genotype.ts';
import { applyOp, factorizedReduction, reluConvBn, type Tensor } from './ops.ts';

/** Blocks that no block of the cell reads: their outputs, concatenated, are the cell output. */
export function unconsumedBlocks(cell: NasnetCell): number[] {
  const read = new Set(cell.blocks.flatMap((b) => b.inputs));
  return cell.blocks.map((_, k) => k).filter((k) => !read.has(2 + k));
}

/** The cells of a version-1 network in order: their graph name prefix, kind and filters. */
export interface NasnetCellSlot {
  name: string;
  kind: 'normal' | 'reduction';
  filters: number;
}

/** (N normal cells + 1 reduction cell) x R, then N normal cells; filters double at each reduction. */
export function nasnetCellPlan({ cellsPerStage, reductions, filters }: NasnetNetwork): NasnetCellSlot[] {
  const plan: NasnetCellSlot[] = [];
  const push = (kind: 'normal' | 'reduction', f: number) =>
    plan.push({ name: `cell${plan.length}_${kind}`, kind, filters: f });
  for (let stage = 0; stage <= reductions; stage++) {
    for (let n = 0; n < cellsPerStage; n++) push('normal', filters * 2 ** stage);
    if (stage < reductions) push('reduction', filters * 2 ** (stage + 1));
  }
  return plan;
}

/** The name prefix of the nodes of op `k` of block `b` in a cell. */
export const branchName = (cellName: string, b: number, k: number): string => `${cellName}/b${b}/op${k}`;

/** The name prefix of the nodes that bring h(i-2) (`k` 0) or h(i-1) (`k` 1) to the cell's filters. */
export const cellInputName = (cellName: string, k: 0 | 1, reduce = false): string =>
  `${cellName}/in${k}${reduce ? '_reduce' : ''}`;

/**
 * One cell. h(i-1) and h(i-2) are first brought to `filters` channels
 * (relu, 1x1 conv, bn); an h(i-2) twice the size of h(i-1) (the cell after a
 * reduction) gets a factorized reduction instead. Inputs no block reads are
 * not built. In a reduction cell, ops reading a cell input use stride 2.
 * Each op yields `filters` channels, so an add block has `filters` and a
 * concat block 2 x `filters`; the output concatenates the unconsumed blocks
 * (cell inputs are never part of the output).
 */
function cell(
  g: GraphBuilder,
  name: string,
  spec: NasnetCell,
  reduction: boolean,
  prev2: Tensor,
  prev1: Tensor,
  filters: number,
): Tensor {
  const used = new Set(spec.blocks.flatMap((b) => b.inputs));
  const states: Tensor[] = [];
  if (used.has(0)) {
    if (prev2.h === prev1.h && prev2.w === prev1.w)
      states[0] = reluConvBn(g, cellInputName(name, 0), prev2, filters, [1, 1]);
    else if (Math.ceil(prev2.h / 2) === prev1.h && Math.ceil(prev2.w / 2) === prev1.w)
      states[0] = factorizedReduction(g, cellInputName(name, 0, true), prev2, filters);
    else throw new Error(`nasnet: ${name} cannot match h(i-2) ${prev2.h}x${prev2.w} to h(i-1) ${prev1.h}x${prev1.w}`);
  }
  if (used.has(1)) states[1] = reluConvBn(g, cellInputName(name, 1), prev1, filters, [1, 1]);

  spec.blocks.forEach((block, b) => {
    const branches = [0, 1].map((k) => {
      const input = block.inputs[k];
      const strides = reduction && input < 2 ? 2 : 1;
      return applyOp(g, branchName(name, b, k), block.ops[k], states[input], filters, strides);
    });
    const [l, r] = branches;
    const id = g.add(`${name}/b${b}/${block.combine}`, { op: block.combine }, [l.id, r.id]);
    states[2 + b] = { ...l, id, c: block.combine === 'add' ? filters : l.c + r.c };
  });

  const outputs = unconsumedBlocks(spec).map((k) => states[2 + k]);
  if (outputs.length === 1) return outputs[0];
  const id = g.add(
    `${name}/out`,
    { op: 'concat' },
    outputs.map((t) => t.id),
  );
  return { ...outputs[0], id, c: outputs.reduce((sum, t) => sum + t.c, 0) };
}

/**
 * stem (3x3 conv with F filters, bn), then (N normal cells + 1 reduction cell)
 * x R, then N normal cells; filters double at each reduction. Head: relu,
 * global average pool, dense softmax over `classes`.
 */
export function nasnetGraph(arch: NasnetArchitecture, input: InputShape, classes: number): LayerGraph {
  const valid = validateNasnet(arch);
  if (!Number.isInteger(classes) || classes < 1)
    throw new Error(`nasnet: classes must be a positive integer, got ${classes}`);
  const { filters } = valid.network;
  const g = new GraphBuilder(input);
  const stemConv = g.add(
    'stem/conv',
    {
      op: 'conv2d',
      filters,
      kernel: [3, 3],
      strides: 1,
      padding: 'same',
      dilation: 1,
      useBias: false,
      activation: 'linear',
    },
    [g.input],
  );
  const stem: Tensor = {
    id: g.add('stem/bn', { op: 'batchNorm' }, [stemConv]),
    h: input.height,
    w: input.width,
    c: filters,
  };

  let [prev2, prev1] = [stem, stem];
  for (const slot of nasnetCellPlan(valid.network)) {
    const out = cell(g, slot.name, valid[slot.kind], slot.kind === 'reduction', prev2, prev1, slot.filters);
    [prev2, prev1] = [prev1, out];
  }

  const relu = g.add('head/relu', { op: 'activation', fn: 'relu' }, [prev1.id]);
  const pooled = g.add('head/pool', { op: 'globalAvgPool', keepDims: false }, [relu]);
  return g.finish(g.add('head/dense', { op: 'dense', units: classes, useBias: true, activation: 'softmax' }, [pooled]));
}
