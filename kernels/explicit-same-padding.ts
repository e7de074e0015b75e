/**
 * 'same' padding passed to XNNPACK as the explicit padding tfjs computes.
 *
 * tfjs-backend-wasm 4.22 hands 'same' convolutions to XNNPACK with its
 * TensorFlow-SAME flag, and XNNPACK then computes a wrong output whenever the
 * total SAME padding of an axis, (out - 1) * stride + effective kernel - in,
 * is negative and the filter is not 1x1: a 1x3 kernel at stride 2 on an even
 * height, a 2x2 kernel at stride 3 on 15x15 (tensorflow/tfjs#6629). The cpu
 * backend, tfjs-node and ONNX clamp that padding to 0. bench/wasm-conv-probe.ts
 * lists the cases. With explicit padding XNNPACK runs the same operator with
 * the paddings every other backend uses.
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: tf.NamedAttrMap };
// Attribute bags arrive untyped from the engine.
// biome-ignore lint/suspicious/noExplicitAny: tfjs-backend-wasm does not export these types
type AnyAttrs = any;

/** The [[0, 0], [top, bottom], [left, right], [0, 0]] padding tfjs computes for 'same'. */
export function samePaddingOf(
  xShape: number[],
  filterShape: number[],
  attrs: AnyAttrs,
  depthwise: boolean,
): tf.backend_util.ExplicitPadding {
  const dataFormat =
    attrs.dataFormat == null ? 'channelsLast' : tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    'same',
    attrs.dimRoundingMode,
    depthwise,
    dataFormat,
  );
  const { top, bottom, left, right } = info.padInfo;
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/** The backend's own convolution kernel, given explicit padding where it was asked for 'same'. */
export function explicitSamePaddingKernel(originalConfig: tf.KernelConfig, depthwise: boolean): tf.KernelConfig {
  const original = originalConfig.kernelFunc;
  function withExplicitPadding(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
    const attrs = args.attrs as AnyAttrs;
    if (attrs?.pad !== 'same') return original(args as unknown as Parameters<tf.KernelFunc>[0]);
    const pad = samePaddingOf(args.inputs.x.shape, args.inputs.filter.shape, attrs, depthwise);
    return original({ ...args, attrs: { ...attrs, pad } } as unknown as Parameters<tf.KernelFunc>[0]);
  }
  return { ...originalConfig, kernelFunc: withExplicitPadding as tf.KernelFunc };
}
