import { describe, expect, it } from 'vitest';
import { FLOPS_CONVENTION, graphCost, inferShapes, windowOutputLength } from '../cells/cost.ts';
import { GraphBuilder, type LayerOp, type Padding } from '../cells/graph.ts';

const conv = (
  filters: number,
  k: number,
  strides = 1,
  padding: Padding = 'same',
  dilation = 1,
  useBias = true,
): LayerOp => ({
  op: 'conv2d',
  filters,
  kernel: [k, k],
  strides,
  padding,
  dilation,
  useBias,
  activation: 'linear',
});

describe('inferShapes', () => {
  it('follows the tfjs window arithmetic for same/valid padding, strides and dilation', () => {
    expect(windowOutputLength(28, 3, 'same', 1)).toBe(28);
    expect(windowOutputLength(28, 3, 'same', 2)).toBe(14);
    expect(windowOutputLength(7, 3, 'same', 2)).toBe(4);
    expect(windowOutputLength(28, 5, 'valid', 1)).toBe(24);
    expect(windowOutputLength(28, 3, 'valid', 2)).toBe(13);
    expect(windowOutputLength(9, 3, 'valid', 1, 2)).toBe(5);
    expect(windowOutputLength(9, 3, 'same', 1, 2)).toBe(9);
  });

  it('gives every node its [h, w, c] (or [units]) shape', () => {
    const g = new GraphBuilder({ height: 28, width: 28, channels: 1 });
    const a = g.add('a', conv(8, 3, 2), [0]);
    const b = g.add('b', { op: 'zeroPad', pad: [1, 0, 2, 0] }, [a]);
    const c = g.add('c', { op: 'crop', crop: [0, 1, 0, 2] }, [b]);
    const d = g.add('d', { op: 'concat' }, [a, c]);
    const se = g.add('se', { op: 'globalAvgPool', keepDims: true }, [d]);
    const m = g.add('m', { op: 'multiply' }, [d, se]);
    const r = g.add('r', { op: 'resize', height: 5, width: 6 }, [m]);
    const f = g.add('f', { op: 'flatten' }, [r]);
    const out = g.add('out', { op: 'dense', units: 10, useBias: true, activation: 'softmax' }, [f]);
    const shapes = inferShapes(g.finish(out));
    expect(shapes).toEqual([
      [28, 28, 1],
      [14, 14, 8],
      [15, 16, 8],
      [14, 14, 8],
      [14, 14, 16],
      [1, 1, 16],
      [14, 14, 16],
      [5, 6, 16],
      [480],
      [10],
    ]);
  });

  it('names the node when shapes do not fit', () => {
    const g = new GraphBuilder({ height: 8, width: 8, channels: 3 });
    const a = g.add('left', conv(4, 3), [0]);
    const b = g.add('right', conv(5, 3), [0]);
    const sum = g.add('cell0/sum', { op: 'add' }, [a, b]);
    expect(() => inferShapes(g.finish(sum))).toThrow(
      'graph node "cell0/sum": add needs inputs of one shape, got [8,8,4] and [8,8,5]',
    );
  });

  it('rejects strided dilated convolutions, over-cropping and wrong arity, naming the node', () => {
    const g1 = new GraphBuilder({ height: 8, width: 8, channels: 3 });
    expect(() => inferShapes(g1.finish(g1.add('dil', conv(4, 3, 2, 'same', 2), [0])))).toThrow(
      'graph node "dil": strides 2 with dilation 2: one must be 1',
    );
    const g4 = new GraphBuilder({ height: 8, width: 8, channels: 3 });
    const dw = g4.add(
      'dw',
      {
        op: 'depthwiseConv2d',
        kernel: [3, 3],
        strides: 1,
        padding: 'valid',
        dilation: 2,
        useBias: false,
        activation: 'linear',
      },
      [0],
    );
    expect(() => inferShapes(g4.finish(dw))).toThrow(
      `graph node "dw": depthwiseConv2d with padding 'valid' and dilation 2 is not supported`,
    );
    const g2 = new GraphBuilder({ height: 4, width: 4, channels: 3 });
    expect(() => inferShapes(g2.finish(g2.add('crop', { op: 'crop', crop: [2, 2, 0, 0] }, [0])))).toThrow(
      'graph node "crop": output shape [0,4,3] has a non-positive size',
    );
    const g3 = new GraphBuilder({ height: 4, width: 4, channels: 3 });
    expect(() => inferShapes(g3.finish(g3.add('sum', { op: 'add' }, [0])))).toThrow(
      'graph node "sum": add takes 2..n inputs, got 1',
    );
  });
});

describe('graphCost', () => {
  it('counts weights as tfjs does (batch norm has 4 per channel) and conv/dense MACs once', () => {
    const g = new GraphBuilder({ height: 8, width: 8, channels: 3 });
    const c = g.add('conv', conv(16, 3), [0]); // 3*3*3*16 + 16 = 448 params, 8*8*432 MACs
    const bn = g.add('bn', { op: 'batchNorm' }, [c]); // 64
    const dw = g.add(
      'dw',
      {
        op: 'depthwiseConv2d',
        kernel: [5, 5],
        strides: 2,
        padding: 'same',
        dilation: 1,
        useBias: false,
        activation: 'relu',
      },
      [bn],
    ); // 400 params, 4*4*400 MACs
    const p = g.add('pool', { op: 'globalAvgPool', keepDims: false }, [dw]);
    const d = g.add('dense', { op: 'dense', units: 10, useBias: true, activation: 'softmax' }, [p]); // 170 params, 160 MACs
    expect(graphCost(g.finish(d))).toEqual({ params: 448 + 64 + 400 + 170, flops: 8 * 8 * 432 + 16 * 400 + 160 });
    expect(FLOPS_CONVENTION).toMatch(/multiply-accumulates/);
  });

  it('ignores nodes the output does not depend on', () => {
    const g = new GraphBuilder({ height: 8, width: 8, channels: 3 });
    g.add('unused', conv(16, 3), [0]);
    const p = g.add('pool', { op: 'globalAvgPool', keepDims: false }, [0]);
    const d = g.add('dense', { op: 'dense', units: 2, useBias: false, activation: 'linear' }, [p]);
    expect(graphCost(g.finish(d))).toEqual({ params: 6, flops: 6 });
  });
});
