/** A network's stages as the trial page lists them: consecutive layers of one stage, its output shape, params and FLOPs. */
import { architectureGraph, inferShapes, liveNodes, nodeCost } from '../cells/index.ts';
import type { Architecture, InputShape } from '../contracts/genotypes.ts';

export interface NetworkStage {
  name: string;
  layers: number;
  /** [height, width, channels], or [units] after pooling. */
  outputShape: number[];
  params: number;
  flops: number;
}

/** "cell3_reduction/b0/op1" -> "cell3_reduction"; "stage2_block1_dw_bn" -> "stage2"; "stem_bn" -> "stem". */
function stageOf(name: string): string {
  const first = name.split('/')[0];
  return first.match(/^stage\d+/)?.[0] ?? first.replace(/_(bn|relu6?|silu|act|[a-z]*pool\d*)$/, '');
}

export function networkStages(architecture: Architecture, input: InputShape, classes: number): NetworkStage[] {
  const graph = architectureGraph(architecture, input, classes);
  const shapes = inferShapes(graph);
  const live = liveNodes(graph);
  const stages: NetworkStage[] = [];
  for (const node of graph.nodes) {
    if (!live[node.id] || node.op === 'input') continue;
    const cost = nodeCost(node, shapes[node.inputs[0]], shapes[node.id]);
    const name = stageOf(node.name);
    const last = stages[stages.length - 1];
    if (last?.name === name) {
      last.layers++;
      last.outputShape = shapes[node.id];
      last.params += cost.params;
      last.flops += cost.flops;
    } else {
      stages.push({ name, layers: 1, outputShape: shapes[node.id], params: cost.params, flops: cost.flops });
    }
  }
  return stages;
}
