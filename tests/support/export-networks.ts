/** Networks the export tests train and export (with LeNet-5, ResNet-20 and MobileNetV2 they use every op and activation of the layer graph but tanh). */
import { EFFICIENTNET_B0_SMALL } from '../../cells/efficientnet/index.ts';
import type { Architecture, NasnetArchitecture } from '../../contracts/genotypes.ts';

/**
 * Every NASNet op at least once, add and concat, pools whose channels differ (1x1 conv after), a factorized
 * reduction, and both factorized convolutions reading a reduction cell's inputs (stride 2).
 */
export const ALL_OPS_NASNET: NasnetArchitecture = {
  family: 'nasnet',
  version: 1,
  normal: {
    blocks: [
      { inputs: [0, 1], ops: ['identity', 'conv_1x3_3x1'], combine: 'add' },
      { inputs: [1, 1], ops: ['conv_1x7_7x1', 'dil_conv_3x3'], combine: 'concat' },
      { inputs: [0, 2], ops: ['avg_pool_3x3', 'max_pool_3x3'], combine: 'add' },
      { inputs: [2, 3], ops: ['max_pool_5x5', 'max_pool_7x7'], combine: 'add' },
      { inputs: [1, 4], ops: ['conv_1x1', 'conv_3x3'], combine: 'add' },
    ],
  },
  reduction: {
    blocks: [
      { inputs: [0, 1], ops: ['sep_conv_3x3', 'sep_conv_5x5'], combine: 'add' },
      { inputs: [1, 0], ops: ['sep_conv_7x7', 'dil_conv_3x3'], combine: 'add' },
      { inputs: [0, 2], ops: ['identity', 'avg_pool_3x3'], combine: 'concat' },
      // Factorized convolutions at stride 2 on 28x28: tfjs-backend-wasm computed them as another function (tfjs#6629).
      { inputs: [1, 0], ops: ['conv_1x7_7x1', 'conv_1x3_3x1'], combine: 'add' },
      { inputs: [4, 2], ops: ['identity', 'max_pool_5x5'], combine: 'add' },
    ],
  },
  network: { cellsPerStage: 1, reductions: 1, filters: 8 },
};

/** The EfficientNet space's base at phi = 1: its input is resized from 28 to 32 pixels. */
export const EFFICIENTNET_PHI1: Architecture = {
  ...EFFICIENTNET_B0_SMALL,
  scaling: { ...EFFICIENTNET_B0_SMALL.scaling, phi: 1 },
};
