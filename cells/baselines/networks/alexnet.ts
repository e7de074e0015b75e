import { GraphBuilder, type LayerGraph } from '../../graph.ts';
import type { InputShape } from '../../../contracts/genotypes.ts';
import { conv, dense, maxPool } from '../layers.ts';

/**
 * The seed text's Keras AlexNet, layer for layer, scaled for 28x28 inputs:
 * conv, conv, pool, conv, pool, conv, conv, pool, flatten, dense, dense,
 * dense softmax, relu everywhere, biases everywhere, no batch norm (the text
 * has none). Changes: the 11x11 stride-4 first conv becomes 5x5 stride 1
 * (the input is already 8x smaller than 224); convs use 'same' padding so
 * three 2x2 pools leave 3x3; filters are 1/8 of 96-256-384-384-256; the
 * 4096-unit dense layers become 256 units, each followed by dropout 0.5 as
 * in the original AlexNet paper.
 */
export function alexnetSmallGraph(input: InputShape, classes: number): LayerGraph {
  const b = new GraphBuilder(input);
  let x = conv(b, 'conv1', b.input, { filters: 12, kernel: 5, activation: 'relu' });
  x = conv(b, 'conv2', x, { filters: 32, kernel: 5, activation: 'relu' });
  x = maxPool(b, 'pool1', x);
  x = conv(b, 'conv3', x, { filters: 48, kernel: 3, activation: 'relu' });
  x = maxPool(b, 'pool2', x);
  x = conv(b, 'conv4', x, { filters: 48, kernel: 3, activation: 'relu' });
  x = conv(b, 'conv5', x, { filters: 32, kernel: 3, activation: 'relu' });
  x = maxPool(b, 'pool3', x);
  x = b.add('flatten', { op: 'flatten' }, [x]);
  x = dense(b, 'fc1', x, 256, 'relu');
  x = b.add('dropout1', { op: 'dropout', rate: 0.5 }, [x]);
  x = dense(b, 'fc2', x, 256, 'relu');
  x = b.add('dropout2', { op: 'dropout', rate: 0.5 }, [x]);
  return b.finish(dense(b, 'logits', x, classes, 'softmax'));
}
