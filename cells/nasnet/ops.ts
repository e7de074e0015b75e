/**
 * The NASNet candidate ops as layer-graph fragments. Every op returns exactly
 * `filters` channels, so that any two branches of a block can be added.
 */
import type { GraphBuilder } from '../graph.ts';
import { windowOutputLength } from '../cost.ts';
import type { NasnetOp } from '../../contracts/genotypes.ts';

/** A node id with its output shape, tracked while building. */
export interface Tensor {
  id: number;
  h: number;
  w: number;
  c: number;
}

const strided = (x: Tensor, strides: number, c: number): Tensor => ({
  id: -1,
  h: windowOutputLength(x.h, 1, 'same', strides),
  w: windowOutputLength(x.w, 1, 'same', strides),
  c,
});

function relu(g: GraphBuilder, name: string, x: Tensor): Tensor {
  return { ...x, id: g.add(`${name}/relu`, { op: 'activation', fn: 'relu' }, [x.id]) };
}

function conv(
  g: GraphBuilder,
  name: string,
  x: Tensor,
  filters: number,
  kernel: [number, number],
  strides = 1,
  dilation = 1,
): Tensor {
  const id = g.add(
    name,
    { op: 'conv2d', filters, kernel, strides, padding: 'same', dilation, useBias: false, activation: 'linear' },
    [x.id],
  );
  return { ...strided(x, strides, filters), id };
}

function bn(g: GraphBuilder, name: string, x: Tensor): Tensor {
  return { ...x, id: g.add(`${name}/bn`, { op: 'batchNorm' }, [x.id]) };
}

/** relu, conv, batch norm. */
export function reluConvBn(
  g: GraphBuilder,
  name: string,
  x: Tensor,
  filters: number,
  kernel: [number, number],
  strides = 1,
): Tensor {
  return bn(g, name, conv(g, `${name}/conv`, relu(g, name, x), filters, kernel, strides));
}

/** NASNet's separable conv: (relu, depthwise k x k, pointwise 1x1, bn) twice, the stride on the first depthwise. */
function separable(g: GraphBuilder, name: string, x: Tensor, filters: number, k: number, strides: number): Tensor {
  let y = x;
  for (const [rep, s] of [
    [1, strides],
    [2, 1],
  ]) {
    const at = `${name}/sep${rep}`;
    y = relu(g, at, y);
    const dw = g.add(
      `${at}/dw`,
      {
        op: 'depthwiseConv2d',
        kernel: [k, k],
        strides: s,
        padding: 'same',
        dilation: 1,
        useBias: false,
        activation: 'linear',
      },
      [y.id],
    );
    y = conv(g, `${at}/pw`, { ...strided(y, s, y.c), id: dw }, filters, [1, 1]);
    y = bn(g, at, y);
  }
  return y;
}

/** relu, 1 x k conv (strided), k x 1 conv, bn. */
function factorizedConv(g: GraphBuilder, name: string, x: Tensor, filters: number, k: number, strides: number): Tensor {
  const a = conv(g, `${name}/conv1x${k}`, relu(g, name, x), filters, [1, k], strides);
  return bn(g, name, conv(g, `${name}/conv${k}x1`, a, filters, [k, 1]));
}

/**
 * relu, 3x3 conv with dilation 2, bn. tfjs cannot stride a dilated conv, so in
 * a reduction the conv runs at stride 1 and a 1x1 max pool of stride 2
 * subsamples its output (same output size as a strided conv, no parameters).
 */
function dilatedConv(g: GraphBuilder, name: string, x: Tensor, filters: number, strides: number): Tensor {
  let y = conv(g, `${name}/conv`, relu(g, name, x), filters, [3, 3], 1, 2);
  if (strides > 1) {
    y = {
      ...strided(y, strides, filters),
      id: g.add(`${name}/subsample`, { op: 'maxPool', pool: 1, strides, padding: 'same' }, [y.id]),
    };
  }
  return bn(g, name, y);
}

/** Pooling (same padding), then a 1x1 conv + bn only if the channels differ from `filters` (as NASNet does). */
function pool(
  g: GraphBuilder,
  name: string,
  x: Tensor,
  filters: number,
  kind: 'maxPool' | 'avgPool',
  size: number,
  strides: number,
): Tensor {
  const y = {
    ...strided(x, strides, x.c),
    id: g.add(`${name}/pool`, { op: kind, pool: size, strides, padding: 'same' }, [x.id]),
  };
  return y.c === filters ? y : bn(g, name, conv(g, `${name}/conv`, y, filters, [1, 1]));
}

/** Identity; where shape must change (stride 2 or other channel count), relu + 1x1 conv (strided) + bn as NASNet does. */
function identity(g: GraphBuilder, name: string, x: Tensor, filters: number, strides: number): Tensor {
  if (strides === 1 && x.c === filters) return x;
  return reluConvBn(g, name, x, filters, [1, 1], strides);
}

export function applyOp(
  g: GraphBuilder,
  name: string,
  op: NasnetOp,
  x: Tensor,
  filters: number,
  strides: number,
): Tensor {
  switch (op) {
    case 'identity':
      return identity(g, `${name}/id`, x, filters, strides);
    case 'conv_1x3_3x1':
      return factorizedConv(g, `${name}/c13`, x, filters, 3, strides);
    case 'conv_1x7_7x1':
      return factorizedConv(g, `${name}/c17`, x, filters, 7, strides);
    case 'dil_conv_3x3':
      return dilatedConv(g, `${name}/dil3`, x, filters, strides);
    case 'avg_pool_3x3':
      return pool(g, `${name}/avg3`, x, filters, 'avgPool', 3, strides);
    case 'max_pool_3x3':
      return pool(g, `${name}/max3`, x, filters, 'maxPool', 3, strides);
    case 'max_pool_5x5':
      return pool(g, `${name}/max5`, x, filters, 'maxPool', 5, strides);
    case 'max_pool_7x7':
      return pool(g, `${name}/max7`, x, filters, 'maxPool', 7, strides);
    case 'conv_1x1':
      return reluConvBn(g, `${name}/conv1`, x, filters, [1, 1], strides);
    case 'conv_3x3':
      return reluConvBn(g, `${name}/conv3`, x, filters, [3, 3], strides);
    case 'sep_conv_3x3':
      return separable(g, `${name}/sep3`, x, filters, 3, strides);
    case 'sep_conv_5x5':
      return separable(g, `${name}/sep5`, x, filters, 5, strides);
    case 'sep_conv_7x7':
      return separable(g, `${name}/sep7`, x, filters, 7, strides);
  }
}

/**
 * Halves height and width without losing the odd pixels: relu (unless
 * options.relu is false), then two 1x1
 * stride-2 convs, one on the input and one on the input shifted by one pixel
 * (zero pad bottom/right, crop top/left), concatenated to `filters` channels, bn.
 */
export function factorizedReduction(
  g: GraphBuilder,
  name: string,
  x: Tensor,
  filters: number,
  options: { relu?: boolean } = {},
): Tensor {
  const r = options.relu === false ? x : relu(g, name, x);
  const half = Math.floor(filters / 2);
  const conv1x1 = (tag: string, input: Tensor, f: number) =>
    g.add(
      `${name}/${tag}`,
      {
        op: 'conv2d',
        filters: f,
        kernel: [1, 1],
        strides: 2,
        padding: 'valid',
        dilation: 1,
        useBias: false,
        activation: 'linear',
      },
      [input.id],
    );
  const path1 = conv1x1('path1_conv', r, half);
  const padded = g.add(`${name}/path2_pad`, { op: 'zeroPad', pad: [0, 1, 0, 1] }, [r.id]);
  const shifted = g.add(`${name}/path2_shift`, { op: 'crop', crop: [1, 0, 1, 0] }, [padded]);
  const path2 = conv1x1('path2_conv', { ...r, id: shifted }, filters - half);
  const joined = g.add(`${name}/concat`, { op: 'concat' }, [path1, path2]);
  return bn(g, name, {
    id: joined,
    h: windowOutputLength(x.h, 1, 'valid', 2),
    w: windowOutputLength(x.w, 1, 'valid', 2),
    c: filters,
  });
}
