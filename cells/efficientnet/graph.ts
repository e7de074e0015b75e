import { GraphBuilder, type LayerGraph } from '../graph.ts';
import type { EfficientNetArchitecture, InputShape, MbconvStage } from '../../contracts/genotypes.ts';
import { checkInputAndClasses, conv, convBn, depthwiseBn, poolClassifier } from '../baselines/layers.ts';
import { scaledNetwork } from './scaling.ts';
import { validateEfficientNet } from './validate.ts';

/** Squeeze-and-excitation keeps this fraction of the block's input channels. */
const SE_RATIO = 0.25;
/** EfficientNet-B0's dropout before the classifier. */
const HEAD_DROPOUT = 0.2;

/**
 * MBConv: 1x1 expansion conv-BN-SiLU (skipped at expansion 1), depthwise KxK
 * conv-BN-SiLU, squeeze-and-excitation, linear 1x1 projection conv-BN, and
 * the input added back when the stride is 1 and the channels match.
 */
export function mbconv(
  b: GraphBuilder,
  name: string,
  x: number,
  inChannels: number,
  block: Pick<MbconvStage, 'kernel' | 'expansion' | 'filters' | 'strides'>,
): number {
  const expanded = inChannels * block.expansion;
  let y = x;
  if (block.expansion !== 1) y = convBn(b, `${name}_expand`, y, { filters: expanded, kernel: 1, activation: 'silu' });
  y = depthwiseBn(b, `${name}_dw`, y, { kernel: block.kernel, strides: block.strides, activation: 'silu' });

  let se = b.add(`${name}_se_pool`, { op: 'globalAvgPool', keepDims: true }, [y]);
  const squeezed = Math.max(1, Math.floor(inChannels * SE_RATIO));
  se = conv(b, `${name}_se_reduce`, se, { filters: squeezed, kernel: 1, activation: 'silu' });
  se = conv(b, `${name}_se_expand`, se, { filters: expanded, kernel: 1, activation: 'sigmoid' });
  y = b.add(`${name}_se_scale`, { op: 'multiply' }, [y, se]);

  y = convBn(b, `${name}_project`, y, { filters: block.filters, kernel: 1, activation: 'linear' });
  return block.strides === 1 && inChannels === block.filters ? b.add(`${name}_add`, { op: 'add' }, [y, x]) : y;
}

/** A network after scaling: what the layers are built from. */
export interface ResolvedEfficientNet {
  stemFilters: number;
  stemStrides: 1 | 2;
  stages: MbconvStage[];
  headFilters: number;
  /** The size the input is resized to first (no resize when it is the input's). */
  height: number;
  width: number;
}

/**
 * The scaled network: a bilinear resize to round(size * gamma^phi) when that
 * differs from the input size, 3x3 stem conv-BN-SiLU, the MBConv stages (the
 * first block of a stage takes its stride), 1x1 head conv-BN-SiLU, global
 * average pool, dropout 0.2, dense softmax.
 */
export function efficientNetGraph(arch: EfficientNetArchitecture, input: InputShape, classes: number): LayerGraph {
  checkInputAndClasses(input, classes);
  // Any coefficients define a network; only search and validation hold them near the compound line.
  const net = scaledNetwork(validateEfficientNet(arch, { tolerance: Infinity }), input);
  return efficientNetLayers({ ...net, stemStrides: 1 }, input, classes);
}

export function efficientNetLayers(net: ResolvedEfficientNet, input: InputShape, classes: number): LayerGraph {
  const b = new GraphBuilder(input);
  let x = b.input;
  if (net.height !== input.height || net.width !== input.width) {
    x = b.add('resize', { op: 'resize', height: net.height, width: net.width }, [x]);
  }
  x = convBn(b, 'stem', x, { filters: net.stemFilters, kernel: 3, strides: net.stemStrides, activation: 'silu' });
  let channels = net.stemFilters;
  net.stages.forEach((stage, s) => {
    for (let i = 0; i < stage.repeats; i++) {
      x = mbconv(b, `stage${s + 1}_block${i + 1}`, x, channels, { ...stage, strides: i === 0 ? stage.strides : 1 });
      channels = stage.filters;
    }
  });
  x = convBn(b, 'head', x, { filters: net.headFilters, kernel: 1, activation: 'silu' });
  return b.finish(poolClassifier(b, x, classes, HEAD_DROPOUT));
}
