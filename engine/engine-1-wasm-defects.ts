/**
 * Which layers of a network engine version 1 trained as another function on the wasm backend:
 * 'same' conv2d layers (not 1x1, not dilated) with an axis whose TensorFlow SAME padding,
 * (out - 1) * stride + kernel - in, is negative, which XNNPACK's SAME flag miscomputed
 * (kernels/explicit-same-padding.ts; bench/wasm-conv-probe.ts found exactly these cases). Depthwise
 * layers of the graphs have one filter per channel, which version 1 already ran on its own kernel.
 */
import { inferShapes, liveNodes } from '../cells/cost.ts';
import type { LayerGraph } from '../cells/graph.ts';
import { ENGINE_VERSION, type TrainingProtocol } from '../contracts/protocol.ts';

function negativeSamePadding(input: number, kernel: number, strides: number): boolean {
  const out = Math.ceil(input / strides);
  return (out - 1) * strides + kernel - input < 0;
}

/** Names of the graph's live layers that engine 1 computed wrongly on wasm; empty when it trained the genotype's function. */
export function layersMiscomputedByEngine1OnWasm(graph: LayerGraph): string[] {
  const shapes = inferShapes(graph);
  const live = liveNodes(graph);
  return graph.nodes
    .filter((node) => {
      if (!live[node.id] || node.op !== 'conv2d' || node.padding !== 'same' || node.dilation !== 1) return false;
      const [kh, kw] = node.kernel;
      if (kh === 1 && kw === 1) return false;
      const [h, w] = shapes[node.inputs[0]];
      return negativeSamePadding(h, kh, node.strides) || negativeSamePadding(w, kw, node.strides);
    })
    .map((node) => node.name);
}

/**
 * A warning for weights kept by a training on `backend` under `protocol` when they were trained as
 * another function than `graph` computes (engine 1 on wasm, a miscomputed layer); else null.
 */
export function staleWeightsWarning(
  graph: LayerGraph,
  protocol: TrainingProtocol,
  backend: string | null,
): string | null {
  if (backend !== 'wasm' || (protocol.engineVersion ?? 1) > 1) return null;
  const layers = layersMiscomputedByEngine1OnWasm(graph);
  if (layers.length === 0) return null;
  const shown =
    layers.length > 3 ? `${layers.slice(0, 3).join(', ')} and ${layers.length - 3} more` : layers.join(', ');
  return (
    `warning: these weights were trained on wasm by engine version 1, which computed ${shown} as another function ` +
    `than the genotype's; the exported model computes the genotype's, so its accuracy differs from the recorded one ` +
    `(retrain under a protocol of engine version ${ENGINE_VERSION})`
  );
}
