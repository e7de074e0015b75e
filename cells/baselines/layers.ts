/** Small layer helpers shared by the hand-designed baselines and the EfficientNet space. */
import type { ActivationFn, GraphBuilder, Padding } from '../graph.ts';
import type { InputShape } from '../../contracts/genotypes.ts';

export interface ConvSpec {
  filters: number;
  kernel: number;
  strides?: number;
  padding?: Padding;
  activation?: ActivationFn;
  useBias?: boolean;
}

export function conv(b: GraphBuilder, name: string, x: number, spec: ConvSpec): number {
  return b.add(
    name,
    {
      op: 'conv2d',
      filters: spec.filters,
      kernel: [spec.kernel, spec.kernel],
      strides: spec.strides ?? 1,
      padding: spec.padding ?? 'same',
      dilation: 1,
      useBias: spec.useBias ?? true,
      activation: spec.activation ?? 'linear',
    },
    [x],
  );
}

/** conv (no bias, batch norm supplies the shift), batch norm, then the activation. */
export function convBn(
  b: GraphBuilder,
  name: string,
  x: number,
  spec: Omit<ConvSpec, 'useBias' | 'activation'> & { activation: ActivationFn },
): number {
  const y = b.add(`${name}_bn`, { op: 'batchNorm' }, [
    conv(b, name, x, { ...spec, activation: 'linear', useBias: false }),
  ]);
  return activate(b, name, y, spec.activation);
}

/** depthwise conv (no bias), batch norm, then the activation. */
export function depthwiseBn(
  b: GraphBuilder,
  name: string,
  x: number,
  spec: { kernel: number; strides: number; activation: ActivationFn },
): number {
  const dw = b.add(
    name,
    {
      op: 'depthwiseConv2d',
      kernel: [spec.kernel, spec.kernel],
      strides: spec.strides,
      padding: 'same',
      dilation: 1,
      useBias: false,
      activation: 'linear',
    },
    [x],
  );
  return activate(b, name, b.add(`${name}_bn`, { op: 'batchNorm' }, [dw]), spec.activation);
}

export function activate(b: GraphBuilder, name: string, x: number, fn: ActivationFn): number {
  return fn === 'linear' ? x : b.add(`${name}_${fn}`, { op: 'activation', fn }, [x]);
}

export function maxPool(
  b: GraphBuilder,
  name: string,
  x: number,
  pool = 2,
  strides = 2,
  padding: Padding = 'valid',
): number {
  return b.add(name, { op: 'maxPool', pool, strides, padding }, [x]);
}

export function dense(b: GraphBuilder, name: string, x: number, units: number, activation: ActivationFn): number {
  return b.add(name, { op: 'dense', units, useBias: true, activation }, [x]);
}

/** Global average pool, optional dropout, dense softmax over the classes. */
export function poolClassifier(b: GraphBuilder, x: number, classes: number, dropout = 0): number {
  let y = b.add('gap', { op: 'globalAvgPool', keepDims: false }, [x]);
  if (dropout > 0) y = b.add('head_dropout', { op: 'dropout', rate: dropout }, [y]);
  return dense(b, 'logits', y, classes, 'softmax');
}

export function checkInputAndClasses(input: InputShape, classes: number): void {
  for (const key of ['height', 'width', 'channels'] as const) {
    const value = input?.[key];
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`input.${key}: must be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`classes: must be an integer >= 2, got ${classes}`);
}

/**
 * MobileNetV2's inverted residual block (the baseline and cells/mobilenetv2): 1x1 expansion
 * (skipped at t = 1), depthwise 3x3, linear 1x1 projection; residual when shapes allow.
 */
export function invertedResidual(
  b: GraphBuilder,
  name: string,
  x: number,
  inChannels: number,
  row: { t: number; c: number },
  strides: number,
): number {
  let y = x;
  if (row.t !== 1) y = convBn(b, `${name}_expand`, y, { filters: inChannels * row.t, kernel: 1, activation: 'relu6' });
  y = depthwiseBn(b, `${name}_dw`, y, { kernel: 3, strides, activation: 'relu6' });
  y = convBn(b, `${name}_project`, y, { filters: row.c, kernel: 1, activation: 'linear' });
  return strides === 1 && inChannels === row.c ? b.add(`${name}_add`, { op: 'add' }, [y, x]) : y;
}
