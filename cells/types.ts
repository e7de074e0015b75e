/** Architecture genotypes of every family, and the decision view strategies search over. */

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
export interface NasnetArchitecture {
  family: 'nasnet';
  version: 1;
  normal: NasnetCell;
  reduction: NasnetCell;
  network: NasnetNetwork;
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
export interface EfficientNetArchitecture {
  family: 'efficientnet';
  version: 1;
  stemFilters: number;
  stages: MbconvStage[];
  headFilters: number;
  scaling: CompoundScaling;
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

export type Architecture = NasnetArchitecture | EfficientNetArchitecture | BaselineArchitecture;
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
export class GenotypeError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'GenotypeError';
  }
}
