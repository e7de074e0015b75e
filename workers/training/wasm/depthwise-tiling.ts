/**
 * Depthwise convolutions with filters XNNPACK has no fast kernel for, as a
 * sum of convolutions it has.
 *
 * The XNNPACK build in tfjs-backend-wasm runs depthwise filters of 1x1, 2x2,
 * 3x3 and 5x5 taps at about 4 GMAC/s and every other size through a generic
 * path at about 0.7 (measured on [32, 28, 28, 32]; 7x7 took 33.6 ms, 5x5
 * 4.4 ms). A filter of another size is cut into pieces along each axis
 * (7 = 2 + 5); each piece becomes a square filter of a fast size, zero
 * outside the piece, convolved with the same input under shifted padding;
 * the piece outputs are summed. NASNet's 7x7 separable convolutions, and
 * their input gradients, which are depthwise convolutions too, run about
 * 2x faster this way.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Composer, compose } from './compose';
import { ConvGeometry, convGeometry, explicitPad } from './geometry';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, Info>; backend: unknown; attrs?: tf.NamedAttrMap };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAttrs = any;

const FAST_SIZES = [1, 2, 3, 5];
const LARGEST_FAST = 5;

/** Along one axis: filter taps [start, start + length) computed by a window of taps starting at `windowStart`. */
interface AxisPiece {
  start: number;
  length: number;
  windowStart: number;
}

/** Splits `k` taps into runs of at most five, the remainder first, e.g. 7 = 2 + 5. */
export function splitTaps(k: number): Array<{ start: number; length: number }> {
  const runs: Array<{ start: number; length: number }> = [];
  const first = k % LARGEST_FAST;
  if (first > 0) runs.push({ start: 0, length: first });
  for (let start = first; start < k; start += LARGEST_FAST) runs.push({ start, length: LARGEST_FAST });
  return runs;
}

const fastSize = (taps: number) => FAST_SIZES.find((s) => s >= taps)!;

/**
 * Where the window of `size` taps covering [start, start + length) begins:
 * as late as the padding before the input allows (a piece cannot start
 * before the input's first row), or null if no window fits.
 */
function placeWindow(start: number, length: number, size: number, padBefore: number, dilation: number): number | null {
  const latest = Math.min(start, Math.floor(padBefore / dilation));
  return latest >= start + length - size ? latest : null;
}

interface Piece {
  size: number;
  rows: AxisPiece;
  cols: AxisPiece;
}

/** The pieces of a kH x kW filter, or null when it is fast as it is or some piece cannot be placed. */
export function tilePieces(g: ConvGeometry): Piece[] | null {
  if (g.kH === g.kW && FAST_SIZES.includes(g.kH)) return null;
  const pieces: Piece[] = [];
  for (const r of splitTaps(g.kH)) {
    for (const c of splitTaps(g.kW)) {
      const size = fastSize(Math.max(r.length, c.length));
      const rowStart = placeWindow(r.start, r.length, size, g.padTop, g.dilationH);
      const colStart = placeWindow(c.start, c.length, size, g.padLeft, g.dilationW);
      if (rowStart == null || colStart == null) return null;
      pieces.push({ size, rows: { ...r, windowStart: rowStart }, cols: { ...c, windowStart: colStart } });
    }
  }
  return pieces;
}

/** The piece's taps of `filter` ([kH, kW, C, M] on the heap) in a zero [size, size, C, M] filter. */
function pieceFilter(c: Composer, filter: Info, g: ConvGeometry, piece: Piece): Info {
  const [, , channels, multiplier] = filter.shape;
  const depth = channels * multiplier;
  const out = c.allocate([piece.size, piece.size, channels, multiplier]);
  const dst = c.backend.typedArrayFromHeap(out) as Float32Array;
  const src = c.backend.typedArrayFromHeap(filter) as Float32Array;
  dst.fill(0);
  for (let a = piece.rows.start; a < piece.rows.start + piece.rows.length; a++) {
    for (let b = piece.cols.start; b < piece.cols.start + piece.cols.length; b++) {
      const to = ((a - piece.rows.windowStart) * piece.size + (b - piece.cols.windowStart)) * depth;
      dst.set(src.subarray((a * g.kW + b) * depth, (a * g.kW + b + 1) * depth), to);
    }
  }
  return out;
}

/** Padding after the input so a piece's window yields exactly `out` positions (never negative here). */
function padAfter(inSize: number, out: number, stride: number, size: number, dilation: number, before: number): number {
  return Math.max(0, (out - 1) * stride + (size - 1) * dilation + 1 - inSize - before);
}

function tiledDepthwise(c: Composer, x: Info, filter: Info, g: ConvGeometry, pieces: Piece[]): Info {
  const outputs = pieces.map((piece) => {
    const top = g.padTop - piece.rows.windowStart * g.dilationH;
    const left = g.padLeft - piece.cols.windowStart * g.dilationW;
    const bottom = padAfter(g.inH, g.outH, g.strideH, piece.size, g.dilationH, top);
    const right = padAfter(g.inW, g.outW, g.strideW, piece.size, g.dilationW, left);
    const y = c.run('DepthwiseConv2dNative', { x, filter: pieceFilter(c, filter, g, piece) }, {
      strides: [g.strideH, g.strideW],
      dilations: [g.dilationH, g.dilationW],
      pad: explicitPad(top, bottom, left, right),
      dataFormat: 'NHWC',
    });
    return c.cropEnd(y, [g.batch, g.outH, g.outW, y.shape[3]]);
  });
  return c.run('AddN', outputs as unknown as Record<string, Info>);
}

/** Wraps the backend's DepthwiseConv2dNative kernel; fast filter sizes and untileable paddings go straight to it. */
export function depthwiseTilingKernel(originalConfig: tf.KernelConfig): tf.KernelConfig {
  const original = originalConfig.kernelFunc;
  function depthwise(args: KernelArgs): Info {
    const { x, filter } = args.inputs;
    const a = args.attrs as AnyAttrs;
    const g = convGeometry(x.shape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true, a.dataFormat);
    const pieces = x.dtype === 'float32' ? tilePieces(g) : null;
    if (pieces == null) return original(args as unknown as Parameters<tf.KernelFunc>[0]) as Info;
    return compose(args.backend as BackendWasm, (c) => tiledDepthwise(c, x, filter, g, pieces));
  }
  return { ...originalConfig, kernelFunc: depthwise as tf.KernelFunc };
}
