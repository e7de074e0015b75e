/**
 * The published networks at full size, each with the input and class count
 * it was published for and the reference counts it is checked against
 * (tests/cells-published.test.ts, docs/results.md, `nas cells published`).
 */
import { efficientNetB, EFFICIENTNET_TABLE } from './efficientnet/index.ts';
import { MOBILENETV2_1_0 } from './mobilenetv2/index.ts';
import { NASNET_A_CIFAR, NASNET_A_LARGE, NASNET_A_MOBILE } from './nasnet/index.ts';
import { architectureGraph } from './architecture.ts';
import { inferShapes, liveNodes } from './cost.ts';
import type { Architecture, InputShape } from '../contracts/genotypes.ts';

export interface PublishedReference {
  /** Parameters of the reference, and where the number is from. */
  params: number;
  paramsSource: string;
  /**
   * What the reference counts: 'all' (as Keras' count_params() and tfjs'
   * countParams(), batch norm's moving mean and variance included) or
   * 'trainable' (as the papers count: without them).
   */
  counts: 'all' | 'trainable';
  /**
   * Parameters the reference counts that are not part of the network as
   * defined here, named (Keras' input Normalization layer in EfficientNet).
   */
  conventionParams?: { params: number; what: string };
  /** Multiply-adds the paper reports, and where. */
  macs?: number;
  macsSource?: string;
}

export interface PublishedNetwork {
  name: string;
  description: string;
  architecture: Architecture;
  input: InputShape;
  classes: number;
  reference: PublishedReference;
}

const KERAS_DOCS = 'Keras applications docs (keras.io/api/applications), table of models';
const EFFICIENTNET_PAPER = 'Tan and Le 2019, EfficientNet, table 2';
const NASNET_PAPER = 'Zoph et al. 2018, Learning Transferable Architectures, table 2';
const KERAS_EFFICIENTNET_PARAMS = [5330571, 7856239, 9177569, 12320535, 19466823, 30562527, 43265143, 66658687];
const EFFICIENTNET_PAPER_FLOPS = [0.39e9, 0.7e9, 1.0e9, 1.8e9, 4.2e9, 9.9e9, 19e9, 37e9];
const rgb = (size: number): InputShape => ({ height: size, width: size, channels: 3 });

export const PUBLISHED_NETWORKS: readonly PublishedNetwork[] = [
  {
    name: 'nasnet-a-cifar',
    description:
      'NASNet-A (6 @ 768) for CIFAR-10: CIFAR stem (3x3 conv, 96 filters), 6 normal cells per stage, 2 reductions, 32 filters',
    architecture: NASNET_A_CIFAR,
    input: rgb(32),
    classes: 10,
    reference: {
      params: 3.3e6,
      counts: 'trainable',
      paramsSource: 'Zoph et al. 2018, table 1 (3.3M, rounded; trainable, no auxiliary head)',
    },
  },
  {
    name: 'nasnet-a-mobile',
    description:
      'NASNet-A Mobile (4 @ 1056): ImageNet stem (3x3 stride-2 conv, 2 reduction stem cells), 4 normal cells per stage, 44 filters',
    architecture: NASNET_A_MOBILE,
    input: rgb(224),
    classes: 1000,
    reference: {
      params: 5326716,
      counts: 'all',
      paramsSource: `${KERAS_DOCS}: NASNetMobile`,
      macs: 564e6,
      macsSource: NASNET_PAPER,
    },
  },
  {
    name: 'nasnet-a-large',
    description:
      'NASNet-A Large (6 @ 4032): ImageNet stem (96 filters), 6 normal cells per stage, 168 filters, skip_reduction_layer_input',
    architecture: NASNET_A_LARGE,
    input: rgb(331),
    classes: 1000,
    reference: {
      params: 88949818,
      counts: 'all',
      paramsSource: `${KERAS_DOCS}: NASNetLarge`,
      macs: 23.8e9,
      macsSource: NASNET_PAPER,
    },
  },
  ...EFFICIENTNET_TABLE.map(
    ({ width, depth, resolution }, i): PublishedNetwork => ({
      name: `efficientnet-b${i}`,
      description: `EfficientNet-B${i}: B0's 7 MBConv stages at width ${width}, depth ${depth}, ${resolution}x${resolution}; stride-2 stem`,
      architecture: efficientNetB(i),
      input: rgb(resolution),
      classes: 1000,
      reference: {
        params: KERAS_EFFICIENTNET_PARAMS[i],
        counts: 'all',
        paramsSource: `${KERAS_DOCS}: EfficientNetB${i}`,
        conventionParams: {
          params: 7,
          what: "Keras' input Normalization layer (mean 3, variance 3, count 1; not trainable)",
        },
        macs: EFFICIENTNET_PAPER_FLOPS[i],
        macsSource: EFFICIENTNET_PAPER,
      },
    }),
  ),
  {
    name: 'mobilenetv2-1.0',
    description: 'MobileNetV2 at width 1.0: stride-2 stem, 17 inverted residual blocks, 1280-channel head',
    architecture: MOBILENETV2_1_0,
    input: rgb(224),
    classes: 1000,
    reference: {
      params: 3538984,
      counts: 'all',
      paramsSource: `${KERAS_DOCS}: MobileNetV2`,
      macs: 300e6,
      macsSource: 'Sandler et al. 2018, MobileNetV2, table 4',
    },
  },
];

export function publishedNetwork(name: string): PublishedNetwork | undefined {
  return PUBLISHED_NETWORKS.find((n) => n.name === name);
}

/** Batch norm's moving means and variances: counted by countParams(), not trainable. */
export function batchNormStatistics(arch: Architecture, input: InputShape, classes: number): number {
  const graph = architectureGraph(arch, input, classes);
  const shapes = inferShapes(graph);
  const live = liveNodes(graph);
  return graph.nodes
    .filter((n) => live[n.id] && n.op === 'batchNorm')
    .reduce((sum, n) => sum + 2 * shapes[n.id][shapes[n.id].length - 1], 0);
}

/** Our params as the reference counts them: trainable only where it does, plus the named convention params. */
export function comparableParams(
  network: PublishedNetwork,
  params: number,
  input = network.input,
  classes = network.classes,
): number {
  const { reference } = network;
  const trainable =
    reference.counts === 'trainable' ? params - batchNormStatistics(network.architecture, input, classes) : params;
  return trainable + (reference.conventionParams?.params ?? 0);
}
