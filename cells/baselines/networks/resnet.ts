import { GraphBuilder, type LayerGraph } from '../../graph.ts';
import type { InputShape } from '../../../contracts/genotypes.ts';
import { convBn, poolClassifier } from '../layers.ts';

const STAGE_FILTERS = [16, 32, 64];
const BLOCKS_PER_STAGE = 3;

/**
 * Basic block: 3x3 conv-BN-relu, 3x3 conv-BN, add the shortcut, relu. The
 * shortcut is the identity, or (option B) a 1x1 conv + BN projection when the
 * block changes the stride or the channels.
 */
function basicBlock(
  b: GraphBuilder,
  name: string,
  x: number,
  inChannels: number,
  filters: number,
  strides: number,
): number {
  let y = convBn(b, `${name}_conv1`, x, { filters, kernel: 3, strides, activation: 'relu' });
  y = convBn(b, `${name}_conv2`, y, { filters, kernel: 3, activation: 'linear' });
  const shortcut =
    strides === 1 && inChannels === filters
      ? x
      : convBn(b, `${name}_projection`, x, { filters, kernel: 1, strides, activation: 'linear' });
  const sum = b.add(`${name}_add`, { op: 'add' }, [y, shortcut]);
  return b.add(`${name}_relu`, { op: 'activation', fn: 'relu' }, [sum]);
}

/**
 * ResNet-20 (He et al. 2016, CIFAR variant): 3x3x16 stem conv-BN-relu, three
 * stages of 3 basic blocks with 16-32-64 filters (stages 2 and 3 start with
 * stride 2), global average pool, dense softmax. 19 convs + 1 dense = 20.
 */
export function resnet20Graph(input: InputShape, classes: number): LayerGraph {
  const b = new GraphBuilder(input);
  let x = convBn(b, 'stem', b.input, { filters: STAGE_FILTERS[0], kernel: 3, activation: 'relu' });
  let channels = STAGE_FILTERS[0];
  STAGE_FILTERS.forEach((filters, stage) => {
    for (let i = 0; i < BLOCKS_PER_STAGE; i++) {
      const strides = stage > 0 && i === 0 ? 2 : 1;
      x = basicBlock(b, `stage${stage + 1}_block${i + 1}`, x, channels, filters, strides);
      channels = filters;
    }
  });
  return b.finish(poolClassifier(b, x, classes));
}
