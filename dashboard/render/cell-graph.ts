/**
 * A NASNet cell as the paper's figures draw it: the inputs h(i-2) and h(i-1), each block's two
 * operations and its combine, and the concatenation of the blocks no block reads (the cell output).
 */
import { unconsumedBlocks } from '../../cells/nasnet/index.ts';
import type { NasnetCell } from '../../contracts/genotypes.ts';

export type CellNodeKind = 'input' | 'op' | 'combine' | 'output';

export interface CellNode {
  id: string;
  kind: CellNodeKind;
  label: string;
  /** The block an op or combine node belongs to. */
  block?: number;
}

export interface CellEdge {
  from: string;
  to: string;
}

export interface CellGraph {
  nodes: CellNode[];
  edges: CellEdge[];
}

const INPUT_IDS = ['h_prev2', 'h_prev1'];

/** The node whose output is cell state `state` (0 = h(i-2), 1 = h(i-1), 2 + k = block k). */
function stateNode(state: number): string {
  return state < 2 ? INPUT_IDS[state] : `b${state - 2}_combine`;
}

/** A version-2 cell lists the states its output concatenates; a version-1 cell concatenates the blocks no block reads. */
export function cellGraph(cell: NasnetCell & { output?: number[] }): CellGraph {
  const nodes: CellNode[] = [
    { id: INPUT_IDS[0], kind: 'input', label: 'h(i-2)' },
    { id: INPUT_IDS[1], kind: 'input', label: 'h(i-1)' },
  ];
  const edges: CellEdge[] = [];
  cell.blocks.forEach((block, b) => {
    const combine = `b${b}_combine`;
    for (const k of [0, 1]) {
      const op = `b${b}_op${k}`;
      nodes.push({ id: op, kind: 'op', label: block.ops[k], block: b });
      edges.push({ from: stateNode(block.inputs[k]), to: op }, { from: op, to: combine });
    }
    nodes.push({ id: combine, kind: 'combine', label: block.combine, block: b });
  });
  nodes.push({ id: 'output', kind: 'output', label: 'concat → h(i)' });
  for (const state of cell.output ?? unconsumedBlocks(cell).map((k) => 2 + k))
    edges.push({ from: stateNode(state), to: 'output' });
  return { nodes, edges };
}
