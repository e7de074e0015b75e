import { GraphBuilder, type LayerGraph } from '../../graph.ts';
import type { InputShape } from '../../../contracts/genotypes.ts';
import { conv, maxPool, poolClassifier } from '../layers.ts';

type Step = { squeeze: number; expand: number } | 'pool';

/**
 * The seed text's 24-layer SqueezeNet with channels halved. The text pools
 * five times (after fires 1, 2, 5, 8 and 10) for 224-pixel images; for 28x28
 * the last two pools are dropped so the final fires see 3x3 instead of < 1.
 */
const SQUEEZENET_SMALL_STEPS: Step[] = [
  { squeeze: 8, expand: 16 },
  'pool',
  { squeeze: 24, expand: 48 },
  'pool',
  { squeeze: 32, expand: 64 },
  { squeeze: 40, expand: 80 },
  { squeeze: 48, expand: 96 },
  'pool',
  { squeeze: 56, expand: 112 },
  { squeeze: 64, expand: 128 },
  { squeeze: 80, expand: 160 },
  { squeeze: 96, expand: 192 },
  { squeeze: 112, expand: 224 },
  { squeeze: 128, expand: 256 },
];

/** conv with relu and bias, then batch norm: the order the seed text's Keras code uses. */
function convReluBn(b: GraphBuilder, name: string, x: number, filters: number, kernel: number): number {
  return b.add(`${name}_bn`, { op: 'batchNorm' }, [conv(b, name, x, { filters, kernel, activation: 'relu' })]);
}

/** 1x1 squeeze, then 1x1 and 3x3 expands of expand/2 filters each, concatenated. */
function fire(b: GraphBuilder, name: string, x: number, squeeze: number, expand: number): number {
  const y = convReluBn(b, `${name}_squeeze`, x, squeeze, 1);
  const y1 = convReluBn(b, `${name}_expand1x1`, y, expand / 2, 1);
  const y3 = convReluBn(b, `${name}_expand3x3`, y, expand / 2, 3);
  return b.add(`${name}_concat`, { op: 'concat' }, [y1, y3]);
}

/** stem conv 3x3x16 + BN, 11 fire modules with 3 max pools, global average pool, dense softmax. */
export function squeezenetSmallGraph(input: InputShape, classes: number): LayerGraph {
  const b = new GraphBuilder(input);
  let x = convReluBn(b, 'stem', b.input, 16, 3);
  let fires = 0;
  let pools = 0;
  for (const step of SQUEEZENET_SMALL_STEPS) {
    x = step === 'pool' ? maxPool(b, `pool${++pools}`, x) : fire(b, `fire${++fires}`, x, step.squeeze, step.expand);
  }
  return b.finish(poolClassifier(b, x, classes));
}
