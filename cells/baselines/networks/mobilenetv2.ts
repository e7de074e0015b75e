import { GraphBuilder, type LayerGraph } from '../../graph.ts';
import type { InputShape } from '../../../contracts/genotypes.ts';
import { convBn, invertedResidual, poolClassifier } from '../layers.ts';

/**
 * MobileNetV2's bottleneck table (expansion t, channels c, repeats n, first
 * stride s) at width multiplier 0.5, channels made divisible by 8 as the
 * paper's code does (24 * 0.5 = 12 -> 16). The stem keeps stride 1 because
 * 28x28 is already 8x smaller than 224, so the spatial sizes run
 * 28 -> 14 -> 7 -> 4 -> 2.
 */
const MOBILENETV2_SMALL_ROWS = [
  { t: 1, c: 8, n: 1, s: 1 },
  { t: 6, c: 16, n: 2, s: 2 },
  { t: 6, c: 16, n: 3, s: 2 },
  { t: 6, c: 32, n: 4, s: 2 },
  { t: 6, c: 48, n: 3, s: 1 },
  { t: 6, c: 80, n: 3, s: 2 },
  { t: 6, c: 160, n: 1, s: 1 },
];
const STEM_FILTERS = 16;
/** 1280 in the paper, halved with the rest. */
const HEAD_FILTERS = 640;

/** stem 3x3 conv-BN-relu6, 17 inverted residual blocks, 1x1 head conv-BN-relu6, pool, dropout 0.2, dense softmax. */
export function mobilenetv2SmallGraph(input: InputShape, classes: number): LayerGraph {
  const b = new GraphBuilder(input);
  let x = convBn(b, 'stem', b.input, { filters: STEM_FILTERS, kernel: 3, activation: 'relu6' });
  let channels = STEM_FILTERS;
  MOBILENETV2_SMALL_ROWS.forEach((row, r) => {
    for (let i = 0; i < row.n; i++) {
      x = invertedResidual(b, `block${r + 1}_${i + 1}`, x, channels, row, i === 0 ? row.s : 1);
      channels = row.c;
    }
  });
  x = convBn(b, 'head', x, { filters: HEAD_FILTERS, kernel: 1, activation: 'relu6' });
  return b.finish(poolClassifier(b, x, classes, 0.2));
}
