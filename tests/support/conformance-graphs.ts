/**
 * Small layer graphs holding one op of a search space or one layer kind of a
 * named network, for comparing backends (tests/wasm-conformance.test.ts).
 */
import { architectureGraph } from '../../cells/architecture.ts';
import { BASELINES } from '../../cells/baselines/index.ts';
import { invertedResidual } from '../../cells/baselines/layers.ts';
import { mbconv } from '../../cells/efficientnet/index.ts';
import { GraphBuilder, type LayerGraph, type LayerNode, type LayerOp } from '../../cells/graph.ts';
import { applyOp, factorizedReduction } from '../../cells/nasnet/ops.ts';
import { PUBLISHED_NETWORKS } from '../../cells/published.ts';
import { NASNET_OPS } from '../../contracts/genotypes.ts';

export interface ConformanceCase {
  label: string;
  graph: LayerGraph;
}

/** Odd and even, so that 'same' windows at stride 2 meet both paddings. */
export const SIZES = [7, 8] as const;
export const STRIDES = [1, 2] as const;
const CHANNELS = 4;

function fragment(size: number, build: (g: GraphBuilder, input: number) => number): LayerGraph {
  const g = new GraphBuilder({ height: size, width: size, channels: CHANNELS });
  return g.finish(build(g, g.input));
}

/** Every NASNet op at both strides (as in normal and reduction cells), and the factorized reduction of cell inputs. */
export function nasnetCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const size of SIZES) {
    for (const op of NASNET_OPS) {
      for (const strides of STRIDES) {
        const graph = fragment(
          size,
          (g, x) => applyOp(g, op, op, { id: x, h: size, w: size, c: CHANNELS }, CHANNELS, strides).id,
        );
        cases.push({ label: `nasnet ${op} stride ${strides} on ${size}x${size}`, graph });
      }
    }
    const graph = fragment(
      size,
      (g, x) => factorizedReduction(g, 'reduce', { id: x, h: size, w: size, c: CHANNELS }, 6).id,
    );
    cases.push({ label: `nasnet factorized reduction on ${size}x${size}`, graph });
  }
  return cases;
}

/** MBConv blocks of the EfficientNet space (both kernels, with and without expansion) and MobileNetV2's inverted residuals. */
export function mbconvCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const size of SIZES) {
    for (const strides of STRIDES) {
      for (const kernel of [3, 5] as const) {
        for (const expansion of [1, 6] as const) {
          const graph = fragment(size, (g, x) =>
            mbconv(g, 'mb', x, CHANNELS, { kernel, expansion, filters: CHANNELS, strides }),
          );
          cases.push({ label: `mbconv k${kernel} e${expansion} stride ${strides} on ${size}x${size}`, graph });
        }
      }
      for (const t of [1, 6]) {
        const graph = fragment(size, (g, x) => invertedResidual(g, 'ir', x, CHANNELS, { t, c: CHANNELS }, strides));
        cases.push({ label: `inverted residual t${t} stride ${strides} on ${size}x${size}`, graph });
      }
    }
  }
  return cases;
}

type Kind = LayerOp;
const withoutPosition = ({ id: _id, inputs: _inputs, name: _name, ...op }: LayerNode): Kind => op as Kind;

/**
 * The layer kinds of every baseline and published network: each distinct op (ignoring widths), strided
 * ones at every stride of STRIDES. Dropout is left out: its training mask comes from tfjs' global
 * unseeded generator, so two backends draw different masks; at inference it is the identity.
 */
export function namedNetworkKinds(): Kind[] {
  const graphs = [
    ...BASELINES.map((b) => architectureGraph(b.architecture, { height: 28, width: 28, channels: 1 }, 10)),
    ...PUBLISHED_NETWORKS.map((p) => architectureGraph(p.architecture, p.input, p.classes)),
  ];
  const kinds = new Map<string, Kind>();
  for (const node of graphs.flatMap((g) => g.nodes)) {
    if (node.op === 'input' || node.op === 'dropout') continue;
    for (const strides of 'strides' in node ? STRIDES : [undefined]) {
      const kind = { ...withoutPosition(node), ...(strides == null ? {} : { strides }) } as Kind;
      if (kind.op === 'conv2d') kind.filters = 5;
      if (kind.op === 'dense') kind.units = 6;
      kinds.set(JSON.stringify(kind), kind);
    }
  }
  kinds.set('resize', { op: 'resize', height: 11, width: 11 });
  return [...kinds.values()];
}

/** A kind applied to the input; element-wise kinds also read a 1x1 conv of it (multiply: its global average, as in squeeze-and-excitation). */
export function kindCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const size of SIZES) {
    for (const kind of namedNetworkKinds()) {
      const graph = fragment(size, (g, x) => {
        if (kind.op === 'add' || kind.op === 'concat' || kind.op === 'multiply') {
          const other =
            kind.op === 'multiply'
              ? g.add('squeeze', { op: 'globalAvgPool', keepDims: true }, [x])
              : g.add(
                  'other',
                  {
                    op: 'conv2d',
                    filters: CHANNELS,
                    kernel: [1, 1],
                    strides: 1,
                    padding: 'same',
                    dilation: 1,
                    useBias: true,
                    activation: 'linear',
                  },
                  [x],
                );
          return g.add(kind.op, kind, [x, other]);
        }
        return g.add(kind.op, kind, [x]);
      });
      cases.push({ label: `layer ${JSON.stringify(kind)} on ${size}x${size}`, graph });
    }
  }
  return cases;
}
