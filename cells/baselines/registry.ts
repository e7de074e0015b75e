import { EFFICIENTNET_B0_SMALL } from '../efficientnet/index.ts';
import { NASNET_A } from '../nasnet/index.ts';
import type { Architecture, BaselineNetwork } from '../../contracts/genotypes.ts';

export interface BaselineEntry {
  name: string;
  description: string;
  architecture: Architecture;
}

const baseline = (name: BaselineNetwork, description: string): BaselineEntry => ({
  name,
  description,
  architecture: { family: 'baseline', version: 1, name },
});

/** Every named network a user can train as a baseline, in the order `nas baselines list` shows them. */
export const BASELINES: readonly BaselineEntry[] = [
  baseline('lenet5', 'LeNet-5 (LeCun): conv5x5x6 same, pool, conv5x5x16 valid, pool, dense 120-84, relu'),
  baseline(
    'alexnet-small',
    'AlexNet layer pattern (5 relu convs, 3 max pools, 2 dense + dropout), 12-32-48-48-32 filters, 256-unit dense',
  ),
  baseline(
    'vgg-small',
    'VGG-style 3x3 conv-BN-relu blocks 2-2-3 with 32-64-128 filters, max pools, dense 256 + dropout',
  ),
  baseline(
    'squeezenet-small',
    'SqueezeNet-24 of the seed text at half the channels: 11 fire modules (1x1 squeeze, 1x1+3x3 expand, BN), 3 pools',
  ),
  baseline('resnet20', 'ResNet-20: 3 stages x 3 basic blocks, 16-32-64 filters, 1x1 projection shortcuts (option B)'),
  baseline(
    'mobilenetv2-small',
    'MobileNetV2 at width 0.5: 17 inverted residual blocks (relu6, linear bottleneck), stride-1 stem',
  ),
  {
    name: 'efficientnet-b0-small',
    description: 'EfficientNet-B0 pattern for 28x28: 6 MBConv stages (SE, SiLU), 8-64 channels, phi = 0',
    architecture: EFFICIENTNET_B0_SMALL,
  },
  {
    name: 'nasnet-a',
    description:
      `NASNet-A normal and reduction cells (Zoph et al. 2018), N=${NASNET_A.network.cellsPerStage} cells per stage, ` +
      `${NASNET_A.network.reductions} reductions, ${NASNET_A.network.filters} filters`,
    architecture: NASNET_A,
  },
];

export function baselineByName(name: string): BaselineEntry {
  const entry = BASELINES.find((b) => b.name === name);
  if (!entry) {
    throw new Error(
      `unknown baseline ${JSON.stringify(name)}; known baselines: ${BASELINES.map((b) => b.name).join(', ')}`,
    );
  }
  return entry;
}
