/**
 * MobileNetV2 (Sandler et al. 2018) as a parameterised network, following
 * Keras applications/mobilenet_v2.py: width multiplier (alpha), stem stride,
 * channels made divisible by 8 (_make_divisible), the last block 320 channels
 * at alpha 1, and the head of 1280 channels for alpha <= 1 (1280 * alpha,
 * made divisible, above).
 */
import { GraphBuilder, type LayerGraph } from '../graph.ts';
import { checkInputAndClasses, convBn, invertedResidual, poolClassifier } from '../baselines/layers.ts';
import { GenotypeError, type InputShape, type MobileNetV2Architecture } from '../../contracts/genotypes.ts';

/** Bottleneck rows: expansion t, channels c (before the width multiplier), repeats n, first stride s. */
export const MOBILENETV2_ROWS = [
  { t: 1, c: 16, n: 1, s: 1 },
  { t: 6, c: 24, n: 2, s: 2 },
  { t: 6, c: 32, n: 3, s: 2 },
  { t: 6, c: 64, n: 4, s: 2 },
  { t: 6, c: 96, n: 3, s: 1 },
  { t: 6, c: 160, n: 3, s: 2 },
  { t: 6, c: 320, n: 1, s: 1 },
] as const;
export const MOBILENETV2_WIDTH_LIMITS: [number, number] = [0.1, 4];
const FIELDS = ['family', 'version', 'width', 'stemStrides'];

/** Keras' _make_divisible(v, 8): nearest multiple of 8 (at least 8), not more than 10% below v. */
export function makeDivisible(v: number, divisor = 8): number {
  const x = Math.round(v * 1e9) / 1e9;
  let rounded = Math.max(divisor, Math.floor((x + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * x) rounded += divisor;
  return rounded;
}

export function validateMobileNetV2(json: unknown): MobileNetV2Architecture {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new GenotypeError(
      'mobilenetv2',
      'must be an object like {"family":"mobilenetv2","version":1,"width":1,"stemStrides":2}',
    );
  }
  const r = json as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!FIELDS.includes(key)) throw new GenotypeError(key, `unknown field; allowed fields: ${FIELDS.join(', ')}`);
  }
  if (r.family !== 'mobilenetv2')
    throw new GenotypeError('family', `must be "mobilenetv2", got ${JSON.stringify(r.family)}`);
  if (r.version !== 1) throw new GenotypeError('version', `must be 1, got ${JSON.stringify(r.version)}`);
  const [min, max] = MOBILENETV2_WIDTH_LIMITS;
  const width = r.width;
  if (typeof width !== 'number' || !Number.isFinite(width) || width < min || width > max) {
    throw new GenotypeError('width', `must be a number in [${min}, ${max}], got ${JSON.stringify(width)}`);
  }
  const stemStrides = r.stemStrides;
  if (stemStrides !== 1 && stemStrides !== 2)
    throw new GenotypeError('stemStrides', `must be 1 or 2, got ${JSON.stringify(stemStrides)}`);
  return { family: 'mobilenetv2', version: 1, width, stemStrides };
}

export function canonicalMobileNetV2(arch: MobileNetV2Architecture): MobileNetV2Architecture {
  const valid = validateMobileNetV2(arch);
  return {
    family: 'mobilenetv2',
    version: 1,
    width: Math.round(valid.width * 1e6) / 1e6,
    stemStrides: valid.stemStrides,
  };
}

export function mobileNetV2String(arch: MobileNetV2Architecture): string {
  return `mobilenetv2 width ${arch.width} stem stride ${arch.stemStrides}`;
}

/** Head channels: 1280 up to width 1, _make_divisible(1280 * width) above. */
export function mobileNetV2HeadFilters(width: number): number {
  return width > 1 ? makeDivisible(1280 * width) : 1280;
}

/**
 * stem 3x3 conv (32 * width, made divisible; stride stemStrides)-BN-relu6, 17
 * inverted residual blocks (1x1 expansion to t x input channels, skipped at
 * t = 1; depthwise 3x3-BN-relu6; linear 1x1 projection to
 * _make_divisible(int(c * width)); residual when stride 1 and channels match),
 * 1x1 head conv-BN-relu6, global average pool, dense softmax.
 */
export function mobileNetV2Graph(arch: MobileNetV2Architecture, input: InputShape, classes: number): LayerGraph {
  const { width, stemStrides } = validateMobileNetV2(arch);
  checkInputAndClasses(input, classes);
  const b = new GraphBuilder(input);
  const stemFilters = makeDivisible(32 * width);
  let x = convBn(b, 'stem', b.input, { filters: stemFilters, kernel: 3, strides: stemStrides, activation: 'relu6' });
  let channels = stemFilters;
  MOBILENETV2_ROWS.forEach((row, r) => {
    const filters = makeDivisible(Math.floor(Math.round(row.c * width * 1e9) / 1e9));
    for (let i = 0; i < row.n; i++) {
      const strides = i === 0 ? row.s : 1;
      x = invertedResidual(b, `block${r + 1}_${i + 1}`, x, channels, { t: row.t, c: filters }, strides);
      channels = filters;
    }
  });
  x = convBn(b, 'head', x, { filters: mobileNetV2HeadFilters(width), kernel: 1, activation: 'relu6' });
  return b.finish(poolClassifier(b, x, classes));
}

/** MobileNetV2 1.0 for 224x224 ImageNet: Keras MobileNetV2(alpha=1.0). */
export const MOBILENETV2_1_0: MobileNetV2Architecture = { family: 'mobilenetv2', version: 1, width: 1, stemStrides: 2 };
