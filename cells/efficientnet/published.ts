/**
 * EfficientNet genotypes of version 2, as Keras applications/efficientnet.py
 * builds EfficientNet-B0..B7: the stem stride follows the input size,
 * round_filters (divisor 8) applies at every width, and the scaling is
 * compound (alpha^phi, beta^phi, gamma^phi) or a published table's width and
 * depth multipliers. Version 1 (validate.ts, graph.ts) is unchanged.
 */
import type { LayerGraph } from '../graph.ts';
import { checkInputAndClasses } from '../baselines/layers.ts';
import {
  GenotypeError,
  type CompoundScaling,
  type EfficientNetArchitecture,
  type InputShape,
  type PublishedEfficientNetArchitecture,
  type TableScaling,
} from '../../contracts/genotypes.ts';
import { efficientNetLayers } from './graph.ts';
import { multipliers, round9, roundRepeats } from './scaling.ts';
import { canonicalEfficientNet, EFFICIENTNET_LIMITS, validateEfficientNet } from './validate.ts';

/** The stem strides 2 when the (resized) input is at least this many pixels on its shorter side. */
export const STEM_STRIDE_2_FROM = 112;
const DIVISOR = 8;

/** Keras' round_filters: max(8, int(c * w + 4) // 8 * 8), plus 8 if that is below 90% of c * w. At any width. */
export function roundFiltersAlways(filters: number, width: number): number {
  const scaled = round9(filters * width);
  let rounded = Math.max(DIVISOR, Math.floor((scaled + DIVISOR / 2) / DIVISOR) * DIVISOR);
  if (rounded < 0.9 * scaled) rounded += DIVISOR;
  return rounded;
}

export function stemStridesFor(height: number, width: number): 1 | 2 {
  return Math.min(height, width) >= STEM_STRIDE_2_FROM ? 2 : 1;
}

const isTable = (scaling: CompoundScaling | TableScaling): scaling is TableScaling =>
  'width' in scaling || 'depth' in scaling;

/**
 * Checks untrusted JSON of a version-2 EfficientNet genotype. The fields are
 * those of version 1, except that `scaling` may instead be {width, depth}
 * (each in [1, 4]).
 */
export function validatePublishedEfficientNet(
  json: unknown,
  options: { tolerance?: number } = {},
): PublishedEfficientNetArchitecture {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new GenotypeError(
      'efficientnet',
      'must be an object with fields family, version, stemFilters, stages, headFilters, scaling',
    );
  }
  const record = json as Record<string, unknown>;
  if (record.version !== 2) throw new GenotypeError('version', `must be 2, got ${JSON.stringify(record.version)}`);
  const scaling = record.scaling;
  const table =
    typeof scaling === 'object' && scaling !== null && !Array.isArray(scaling) && isTable(scaling as TableScaling);
  const probe = { ...record, version: 1, scaling: table ? { alpha: 1, beta: 1, gamma: 1, phi: 0 } : scaling };
  const v1 = validateEfficientNet(probe, options);
  if (!table) return { ...v1, version: 2 };
  const s = scaling as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (key !== 'width' && key !== 'depth')
      throw new GenotypeError(`scaling.${key}`, 'unknown field; a table scaling has fields width, depth');
  }
  const max = EFFICIENTNET_LIMITS.coefficient;
  const factor = (key: 'width' | 'depth') => {
    const v = s[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 1 || v > max) {
      throw new GenotypeError(`scaling.${key}`, `must be a number in [1, ${max}], got ${JSON.stringify(v)}`);
    }
    return v;
  };
  return { ...v1, version: 2, scaling: { width: factor('width'), depth: factor('depth') } };
}

/** Either version, by its version field. */
export function validateAnyEfficientNet(json: unknown): EfficientNetArchitecture | PublishedEfficientNetArchitecture {
  const version =
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as { version?: unknown }).version
      : undefined;
  if (version === 2) return validatePublishedEfficientNet(json);
  if (
    version !== 1 &&
    typeof json === 'object' &&
    json !== null &&
    (json as { family?: unknown }).family === 'efficientnet'
  ) {
    throw new GenotypeError('version', `must be 1 or 2, got ${JSON.stringify(version)}`);
  }
  return validateEfficientNet(json);
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** As canonicalEfficientNet, with table multipliers rounded to 6 decimals. */
export function canonicalPublishedEfficientNet(
  arch: PublishedEfficientNetArchitecture,
): PublishedEfficientNetArchitecture {
  if (!isTable(arch.scaling))
    return { ...canonicalEfficientNet({ ...arch, version: 1, scaling: arch.scaling }), version: 2 };
  const { width, depth } = arch.scaling;
  const base = canonicalEfficientNet({ ...arch, version: 1, scaling: { alpha: 1, beta: 1, gamma: 1, phi: 0 } });
  return { ...base, version: 2, scaling: { width: round6(width), depth: round6(depth) } };
}

export function publishedEfficientNetString(arch: PublishedEfficientNetArchitecture): string {
  const stages = arch.stages.map((s) => `k${s.kernel}e${s.expansion}c${s.filters}x${s.repeats}s${s.strides}`).join(' ');
  const scaling = isTable(arch.scaling)
    ? `w${arch.scaling.width} d${arch.scaling.depth}`
    : `a${arch.scaling.alpha} b${arch.scaling.beta} g${arch.scaling.gamma} phi${arch.scaling.phi}`;
  return `effnet v2 stem${arch.stemFilters} [${stages}] head${arch.headFilters} ${scaling}`;
}

/**
 * Keras' EfficientNet: resize by gamma^phi (compound scaling only), 3x3 stem
 * conv-BN-SiLU with stride stemStridesFor(size), MBConv stages with
 * round_filters/round_repeats, 1x1 head conv-BN-SiLU, pool, dropout, dense.
 */
export function publishedEfficientNetGraph(
  arch: PublishedEfficientNetArchitecture,
  input: InputShape,
  classes: number,
): LayerGraph {
  checkInputAndClasses(input, classes);
  const valid = validatePublishedEfficientNet(arch, { tolerance: Infinity });
  const scale = isTable(valid.scaling)
    ? { width: valid.scaling.width, depth: valid.scaling.depth, resolution: 1 }
    : multipliers(valid.scaling);
  const height = Math.round(round9(input.height * scale.resolution));
  const width = Math.round(round9(input.width * scale.resolution));
  return efficientNetLayers(
    {
      stemFilters: roundFiltersAlways(valid.stemFilters, scale.width),
      stemStrides: stemStridesFor(height, width),
      stages: valid.stages.map((stage) => ({
        ...stage,
        repeats: roundRepeats(stage.repeats, scale.depth),
        filters: roundFiltersAlways(stage.filters, scale.width),
      })),
      headFilters: roundFiltersAlways(valid.headFilters, scale.width),
      height,
      width,
    },
    input,
    classes,
  );
}

/** EfficientNet-B0's blocks (Keras DEFAULT_BLOCKS_ARGS; Tan and Le 2019, table 1), stem 32, head 1280. */
const B0_STAGES: PublishedEfficientNetArchitecture['stages'] = [
  { kernel: 3, expansion: 1, repeats: 1, filters: 16, strides: 1 },
  { kernel: 3, expansion: 6, repeats: 2, filters: 24, strides: 2 },
  { kernel: 5, expansion: 6, repeats: 2, filters: 40, strides: 2 },
  { kernel: 3, expansion: 6, repeats: 3, filters: 80, strides: 2 },
  { kernel: 5, expansion: 6, repeats: 3, filters: 112, strides: 1 },
  { kernel: 5, expansion: 6, repeats: 4, filters: 192, strides: 2 },
  { kernel: 3, expansion: 6, repeats: 1, filters: 320, strides: 1 },
];

/** (width, depth, resolution) of B0..B7 as Keras' EfficientNetB0..B7 and the official code's efficientnet_params give them. */
export const EFFICIENTNET_TABLE: ReadonlyArray<{ width: number; depth: number; resolution: number }> = [
  { width: 1.0, depth: 1.0, resolution: 224 },
  { width: 1.0, depth: 1.1, resolution: 240 },
  { width: 1.1, depth: 1.2, resolution: 260 },
  { width: 1.2, depth: 1.4, resolution: 300 },
  { width: 1.4, depth: 1.8, resolution: 380 },
  { width: 1.6, depth: 2.2, resolution: 456 },
  { width: 1.8, depth: 2.6, resolution: 528 },
  { width: 2.0, depth: 3.1, resolution: 600 },
];

/**
 * EfficientNet-B<i>: B0 as compound scaling at phi = 0 (exact); B1..B7 as the
 * published table's width and depth (the compound coefficients 1.2, 1.1, 1.15
 * do not give them exactly), meant for an input at the table's resolution.
 */
export function efficientNetB(i: number): PublishedEfficientNetArchitecture {
  const row = EFFICIENTNET_TABLE[i];
  if (!row) throw new Error(`efficientnet-b${i}: there are B0..B7`);
  return {
    family: 'efficientnet',
    version: 2,
    stemFilters: 32,
    stages: B0_STAGES.map((s) => ({ ...s })),
    headFilters: 1280,
    scaling: i === 0 ? { alpha: 1.2, beta: 1.1, gamma: 1.15, phi: 0 } : { width: row.width, depth: row.depth },
  };
}
