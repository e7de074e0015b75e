/**
 * The weights of a weight-sharing (ENAS) network over a NASNet space, and which of them the
 * standalone network of one genotype of that space reads. Names and shapes only; the tensors
 * live in the engine.
 *
 * As in ENAS (Pham et al. 2018), each cell of the stacked network has weights of its own, one set
 * per (cell, block, branch, input, op): op `o` of branch `k` of block `b` reading state `j` has
 * the same weights in every genotype that puts it there. A weight's key is the name of the
 * standalone graph node that holds it, with the branch's input inserted and the role appended:
 * `cell3_normal/b2/op1/in4/sep3/sep1/dw/kernel`. The stem, the cells' input convs and the
 * classifier exist once.
 *
 * Input channels. A cell's output concatenates the blocks no block reads, so its width and order
 * depend on the genotype, and a concat block is twice as wide as an add block. A weight that reads
 * a cell's output (the next cells' input convs, the classifier) has one slot of rows per block
 * of that cell, as wide as the widest block; a path reads the rows of the blocks its cell outputs,
 * in order (ENAS gathers the rows of its cells' final 1x1 conv the same way). A weight of an op
 * reading a block is as wide as the widest block; an add block reads its leading rows.
 */
import { inferShapes, liveNodes } from '../cost.ts';
import { GraphBuilder, type LayerGraph } from '../graph.ts';
import { trainableWeights, type WeightRole } from '../trainable-weights.ts';
import type { InputShape, NasnetArchitecture, NasnetCell, NasnetNetwork, NasnetOp } from '../../contracts/genotypes.ts';
import { validateNasnet } from './genotype.ts';
import {
  branchName,
  cellInputName,
  nasnetCellPlan,
  nasnetGraph,
  unconsumedBlocks,
  type NasnetCellSlot,
} from './network.ts';
import { applyOp } from './ops.ts';
import type { ResolvedNasnetSpaceConfig } from './space.ts';

export interface SharedWeight {
  key: string;
  role: WeightRole;
  shape: number[];
}

/** Consecutive rows of a shared weight: [first, count]. */
export type RowRange = [number, number];

/** One weight a path's graph node reads: the shared weight, or some of its rows along `axis`. */
export interface PathWeight {
  key: string;
  role: WeightRole;
  /** The rows of the shared weight along `axis` that the node reads, in order; null: all of it. */
  rows: RowRange[] | null;
  axis: number;
}

/** The weights of one live node of a path's graph, in the order of its tfjs layer's weights. */
export interface PathNodeWeights {
  node: number;
  weights: PathWeight[];
}

export interface NasnetPath {
  graph: LayerGraph;
  nodes: PathNodeWeights[];
}

export interface SharedNasnet {
  weights: SharedWeight[];
  /** Total number of shared values (the memory of the weights, not counting optimizer state). */
  parameters: number;
  /** The standalone graph of a genotype of the space and the shared weights each of its nodes reads. */
  path(arch: NasnetArchitecture): NasnetPath;
}

type Space = Pick<ResolvedNasnetSpaceConfig, 'blocks' | 'ops' | 'combine'> & { network: NasnetNetwork };

/** Weight shapes do not depend on the spatial size; fragments are built at this size. */
const FRAGMENT_SIZE = 8;
const WEIGHTED_CONSUMER = /^(.*\/b\d+\/op\d+)(\/.*)$/;

/** The shared network of a version-1 NASNet space whose fixed network is `space.network`. */
export function sharedNasnet(space: Space, input: InputShape, classes: number): SharedNasnet {
  const plan = nasnetCellPlan(space.network);
  const stemFilters = space.network.filters;
  const blockWidth = (filters: number) => (space.combine.includes('concat') ? 2 * filters : filters);
  const weights = new Map<string, SharedWeight>();
  const addWeight = (weight: SharedWeight) => {
    const known = weights.get(weight.key);
    weights.set(
      weight.key,
      known ? { ...known, shape: known.shape.map((d, i) => Math.max(d, weight.shape[i])) } : weight,
    );
  };

  // Branch ops: every (cell, block, branch, input, op) at every width its input can have.
  plan.forEach((slot) => {
    const widths = (j: number) =>
      j < 2 ? [slot.filters] : [...new Set(space.combine.map((c) => (c === 'add' ? 1 : 2) * slot.filters))];
    for (let b = 0; b < space.blocks; b++) {
      for (const k of [0, 1]) {
        for (let j = 0; j < 2 + b; j++) {
          const strides = slot.kind === 'reduction' && j < 2 ? 2 : 1;
          for (const op of space.ops) {
            for (const channels of widths(j)) {
              const g = new GraphBuilder({ height: FRAGMENT_SIZE, width: FRAGMENT_SIZE, channels });
              const x = { id: g.input, h: FRAGMENT_SIZE, w: FRAGMENT_SIZE, c: channels };
              const out = applyOp(g, branchName(slot.name, b, k), op, x, slot.filters, strides);
              const fragment = g.finish(out.id);
              const shapes = inferShapes(fragment);
              for (const node of fragment.nodes) {
                for (const w of trainableWeights(node, shapes[node.inputs[0]] ?? [])) {
                  addWeight({ key: weightKey(node.name, j, w.role), role: w.role, shape: w.shape });
                }
              }
            }
          }
        }
      }
    }
  });

  // Stem, cell input convs and classifier: those of a genotype that builds them all, with every
  // weight reading a cell's output widened to one slot per block.
  const probeCell: NasnetCell = {
    blocks: Array.from({ length: space.blocks }, () => ({
      inputs: [0, 1] as [number, number],
      ops: [space.ops[0], space.ops[0]] as [NasnetOp, NasnetOp],
      combine: space.combine[0],
    })),
  };
  const probe = nasnetGraph(
    { family: 'nasnet', version: 1, normal: probeCell, reduction: probeCell, network: space.network },
    input,
    classes,
  );
  const probeShapes = inferShapes(probe);
  const sources = cellOutputReaders(plan);
  for (const node of probe.nodes) {
    if (WEIGHTED_CONSUMER.test(node.name)) continue;
    const source = sourceOf(node.name, sources);
    for (const w of trainableWeights(node, probeShapes[node.inputs[0]] ?? [])) {
      const shape = [...w.shape];
      if (source !== undefined && w.inputChannelAxis !== null) {
        shape[w.inputChannelAxis] = source < 0 ? stemFilters : space.blocks * blockWidth(plan[source].filters);
      }
      addWeight({ key: `${node.name}/${w.role}`, role: w.role, shape });
    }
  }

  const all = [...weights.values()];
  const byKey = new Map(all.map((w) => [w.key, w]));
  return {
    weights: all,
    parameters: all.reduce((sum, w) => sum + w.shape.reduce((a, d) => a * d, 1), 0),
    path(arch) {
      const valid = validateNasnet(arch, space);
      if (!sameNetwork(valid.network, space.network)) {
        throw new Error(
          `shared network: the genotype's network ${JSON.stringify(valid.network)} is not the space's ${JSON.stringify(space.network)}`,
        );
      }
      const graph = nasnetGraph(valid, input, classes);
      const shapes = inferShapes(graph);
      const live = liveNodes(graph);
      const rowsOfSource = (source: number): RowRange[] =>
        source < 0 ? [[0, stemFilters]] : cellOutputRows(valid[plan[source].kind], plan[source].filters, blockWidth);
      const nodes: PathNodeWeights[] = [];
      for (const node of graph.nodes) {
        const needed = trainableWeights(node, shapes[node.inputs[0]] ?? []);
        if (!live[node.id] || needed.length === 0) continue;
        const branch = WEIGHTED_CONSUMER.exec(node.name);
        const input = branch ? branchInput(valid, plan, branch[1]) : undefined;
        const source = branch ? undefined : sourceOf(node.name, sources);
        nodes.push({
          node: node.id,
          weights: needed.map((w) => {
            const key = input === undefined ? `${node.name}/${w.role}` : weightKey(node.name, input, w.role);
            const shared = byKey.get(key);
            if (!shared) throw new Error(`shared network: no shared weight ${key} (node ${node.name})`);
            const axis = w.inputChannelAxis ?? 0;
            const wanted = w.inputChannelAxis === null ? null : w.shape[axis];
            let rows: RowRange[] | null = null;
            if (wanted !== null && wanted !== shared.shape[axis]) {
              rows = source !== undefined ? rowsOfSource(source) : [[0, wanted]];
            }
            const readShape = shared.shape.map((d, i) => (rows && i === axis ? rowCount(rows) : d));
            if (readShape.join() !== w.shape.join()) {
              throw new Error(
                `shared network: node ${node.name} needs ${w.role} [${w.shape}], shared ${key} gives [${readShape}]`,
              );
            }
            return { key, role: w.role, rows, axis };
          }),
        });
      }
      return { graph, nodes };
    },
  };
}

/** The key of a branch node's weight: the node name with the branch's input after the branch prefix. */
function weightKey(nodeName: string, input: number, role: WeightRole): string {
  const match = WEIGHTED_CONSUMER.exec(nodeName);
  if (!match) throw new Error(`shared network: ${nodeName} is not a branch node`);
  return `${match[1]}/in${input}${match[2]}/${role}`;
}

/** The input (state index) of the branch whose node-name prefix is `prefix`. */
function branchInput(arch: NasnetArchitecture, plan: NasnetCellSlot[], prefix: string): number {
  for (const slot of plan) {
    for (let b = 0; b < arch[slot.kind].blocks.length; b++) {
      for (const k of [0, 1] as const) {
        if (branchName(slot.name, b, k) === prefix) return arch[slot.kind].blocks[b].inputs[k];
      }
    }
  }
  throw new Error(`shared network: no branch named ${prefix}`);
}

/** Node-name prefixes of the nodes that read a cell's output, with that cell's index (-1: the stem). */
function cellOutputReaders(plan: NasnetCellSlot[]): [string, number][] {
  const readers: [string, number][] = plan.flatMap((slot, i): [string, number][] => [
    [`${cellInputName(slot.name, 0)}/`, Math.max(-1, i - 2)],
    [`${cellInputName(slot.name, 0, true)}/`, Math.max(-1, i - 2)],
    [`${cellInputName(slot.name, 1)}/`, i - 1],
  ]);
  readers.push(['head/', plan.length - 1]);
  return readers;
}

function sourceOf(nodeName: string, readers: [string, number][]): number | undefined {
  return readers.find(([prefix]) => nodeName.startsWith(prefix))?.[1];
}

/** The rows of a cell-output reader's shared weight that a cell's output fills, in channel order. */
function cellOutputRows(cell: NasnetCell, filters: number, blockWidth: (filters: number) => number): RowRange[] {
  const ranges: RowRange[] = [];
  for (const u of unconsumedBlocks(cell)) {
    const first = u * blockWidth(filters);
    const count = cell.blocks[u].combine === 'add' ? filters : 2 * filters;
    const last = ranges[ranges.length - 1];
    if (last && last[0] + last[1] === first) last[1] += count;
    else ranges.push([first, count]);
  }
  return ranges;
}

const rowCount = (rows: RowRange[]): number => rows.reduce((sum, [, count]) => sum + count, 0);

const sameNetwork = (a: NasnetNetwork, b: NasnetNetwork): boolean =>
  a.cellsPerStage === b.cellsPerStage && a.reductions === b.reductions && a.filters === b.filters;
