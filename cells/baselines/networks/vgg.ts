import { GraphBuilder, type LayerGraph } from '../../graph.ts';
import type { InputShape } from '../../../contracts/genotypes.ts';
import { convBn, dense, maxPool } from '../layers.ts';

/** Blocks of 3x3 convs (filters, convs per block), each block closed by a 2x2 max pool. */
const VGG_SMALL_BLOCKS: ReadonlyArray<{ filters: number; convs: number }> = [
  { filters: 32, convs: 2 },
  { filters: 64, convs: 2 },
  { filters: 128, convs: 3 },
];

/**
 * VGG-style: 2-2-3 blocks of 3x3 conv + batch norm + relu with 32-64-128
 * filters, 2x2 max pool after each block (28 -> 14 -> 7 -> 3), flatten,
 * dense 256 relu, dropout 0.5, dense softmax.
 */
export function vggSmallGraph(input: InputShape, classes: number): LayerGraph {
  const b = new GraphBuilder(input);
  let x = b.input;
  VGG_SMALL_BLOCKS.forEach(({ filters, convs }, block) => {
    for (let i = 0; i < convs; i++) {
      x = convBn(b, `block${block + 1}_conv${i + 1}`, x, { filters, kernel: 3, activation: 'relu' });
    }
    x = maxPool(b, `block${block + 1}_pool`, x);
  });
  x = b.add('flatten', { op: 'flatten' }, [x]);
  x = dense(b, 'fc1', x, 256, 'relu');
  x = b.add('dropout', { op: 'dropout', rate: 0.5 }, [x]);
  return b.finish(dense(b, 'logits', x, classes, 'softmax'));
}
