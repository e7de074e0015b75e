/** Architecture genotypes of every family, and the decision view strategies search over. */
import { Refusal } from './refusal.ts';

export const NASNET_OPS = [
  'identity',
  'conv_1x3_3x1',
  'conv_1x7_7x1',
  'dil_conv_3x3',
  'avg_pool_3x3',
  'max_pool_3x3',
  'max_pool_5x5',
  'max_pool_7x7',
  'conv_1x1',
  'conv_3x3',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'sep_conv_7x7',
] as const;
export type NasnetOp = (typeof NASNET_OPS)[number];
export type Combine = 'add' | 'concat';

/** inputs: 0 = h(i-2), 1 = h(i-1), 2 + k = output of block k of this cell. */
export interface CellBlock {
  inputs: [number, number];
  ops: [NasnetOp, NasnetOp];
  combine: Combine;
}
export interface NasnetCell {
  blocks: CellBlock[];
}
/** stem, then (N normal + 1 reduction) x R, then N normal, global pool, dense softmax. */
export interface NasnetNetwork {
  cellsPerStage: number;
  reductions: number;
  filters: number;
}
/**
 * Version 1: the space of the 28x28 searches. Stem: 3x3 stride-1 conv with F
 * filters; both cell inputs always get a 1x1 conv; a cell outputs the
 * concatenation of the blocks no block reads.
 */
export interface NasnetArchitecture {
  family: 'nasnet';
  version: 1;
  normal: NasnetCell;
  reduction: NasnetCell;
  network: NasnetNetwork;
}

/**
 * The stems of the published NASNet code (tensorflow/models
 * research/slim/nets/nasnet/nasnet.py): 'cifar' is a 3x3 stride-1 conv + BN;
 * 'imagenet' a 3x3 stride-2 'valid' conv + BN followed by two reduction
 * cells with F/4 and F/2 filters.
 */
export const NASNET_STEMS = ['cifar', 'imagenet'] as const;
export type NasnetStem = (typeof NASNET_STEMS)[number];
/** A version-2 cell: the hidden states (0 = h(i-2), 1 = h(i-1), 2 + k = block k) its output concatenates. */
export interface PublishedNasnetCell extends NasnetCell {
  output: number[];
}
export interface PublishedNasnetNetwork extends NasnetNetwork {
  stem: NasnetStem;
  stemFilters: number;
  /** NASNet-Large's skip_reduction_layer_input: the cell after a reduction reads the cell two before it as h(i-2). */
  skipReductionInput: boolean;
}
/**
 * Version 2: the published rules (tensorflow/models nasnet_utils.py, Keras
 * applications/nasnet.py). The cell output is an explicit list of hidden
 * states; h(i-1) always gets a 1x1 conv, h(i-2) only where its shape or width
 * differs from the cell's; the stem is one of NASNET_STEMS.
 */
export interface PublishedNasnetArchitecture {
  family: 'nasnet';
  version: 2;
  normal: PublishedNasnetCell;
  reduction: PublishedNasnetCell;
  network: PublishedNasnetNetwork;
}

export interface MbconvStage {
  kernel: 3 | 5;
  expansion: 1 | 4 | 6;
  repeats: number;
  filters: number;
  strides: 1 | 2;
}
export interface CompoundScaling {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}
/** Version 1: the stem has stride 1 at any input size (the 28x28 searches). */
export interface EfficientNetArchitecture {
  family: 'efficientnet';
  version: 1;
  stemFilters: number;
  stages: MbconvStage[];
  headFilters: number;
  scaling: CompoundScaling;
}
/** Width and depth multipliers as a published table gives them (EfficientNet-B1..B7); the input is used as given. */
export interface TableScaling {
  width: number;
  depth: number;
}
/**
 * Version 2 (Keras applications/efficientnet.py): the stem stride follows the
 * input size (stride 2 from 112 pixels up), channels are always rounded with
 * round_filters, and scaling is compound or a published table's multipliers.
 */
export interface PublishedEfficientNetArchitecture {
  family: 'efficientnet';
  version: 2;
  stemFilters: number;
  stages: MbconvStage[];
  headFilters: number;
  scaling: CompoundScaling | TableScaling;
}

/**
 * MobileNetV2 (Sandler et al. 2018) as Keras applications/mobilenet_v2.py
 * builds it, at a width multiplier, with a stride-1 or stride-2 stem.
 */
export interface MobileNetV2Architecture {
  family: 'mobilenetv2';
  version: 1;
  width: number;
  stemStrides: 1 | 2;
}

export const BASELINE_NETWORKS = [
  'lenet5',
  'alexnet-small',
  'vgg-small',
  'squeezenet-small',
  'resnet20',
  'mobilenetv2-small',
] as const;
export type BaselineNetwork = (typeof BASELINE_NETWORKS)[number];
/** A fixed hand-designed network, optionally resolution/width/depth scaled. */
export interface BaselineArchitecture {
  family: 'baseline';
  version: 1;
  name: BaselineNetwork;
}

export type Architecture =
  | NasnetArchitecture
  | PublishedNasnetArchitecture
  | EfficientNetArchitecture
  | PublishedEfficientNetArchitecture
  | MobileNetV2Architecture
  | BaselineArchitecture;
export type Family = Architecture['family'];

export interface InputShape {
  height: number;
  width: number;
  channels: number;
}

export interface Cost {
  params: number;
  /** Multiply-accumulates counted once (1 MAC = 1 FLOP), as the NAS papers report. */
  flops: number;
}

/** One categorical choice in the flat decision sequence of a space. */
export interface Decision {
  name: string;
  size: number;
}

/**
 * A search space seen as a fixed sequence of categorical decisions. Strategies
 * only ever see this; decode(encode(a)) is canonical(a).
 */
export interface DecisionSpace {
  readonly id: string;
  readonly decisions: readonly Decision[];
  decode(choices: readonly number[]): Architecture;
  encode(arch: Architecture): number[];
}

/** A validation failure that names where (path) and what is allowed. */
export class GenotypeError extends Refusal {
  readonly path: string;
  readonly problem: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
    this.problem = problem;
    this.name = 'GenotypeError';
  }
}
