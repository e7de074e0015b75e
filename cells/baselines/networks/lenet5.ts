import { GraphBuilder, type LayerGraph } from '../../graph.ts';
import type { InputShape } from '../../../contracts/genotypes.ts';
import { conv, dense, maxPool } from '../layers.ts';

/**
 * LeNet-5 as the seed text writes it in Keras: conv 5x5x6 (same, relu),
 * maxpool 2x2, conv 5x5x16 (valid, relu), maxpool 2x2, flatten, dense 120
 * relu, dense 84 relu, dense softmax. 61,706 params for 28x28x1 and 10 classes.
 */
export function lenet5Graph(input: InputShape, classes: number): LayerGraph {
  const b = new GraphBuilder(input);
  let x = conv(b, 'conv1', b.input, { filters: 6, kernel: 5, padding: 'same', activation: 'relu' });
  x = maxPool(b, 'pool1', x);
  x = conv(b, 'conv2', x, { filters: 16, kernel: 5, padding: 'valid', activation: 'relu' });
  x = maxPool(b, 'pool2', x);
  x = b.add('flatten', { op: 'flatten' }, [x]);
  x = dense(b, 'fc1', x, 120, 'relu');
  x = dense(b, 'fc2', x, 84, 'relu');
  return b.finish(dense(b, 'logits', x, classes, 'softmax'));
}
