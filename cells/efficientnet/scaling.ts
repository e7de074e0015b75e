/**
 * Compound scaling (Tan and Le 2019): depth d = alpha^phi, width
 * w = beta^phi, resolution r = gamma^phi, under alpha * beta^2 * gamma^2 ~ 2
 * so FLOPs grow about 2^phi.
 *
 * Rounding, as the official implementation does it:
 * - repeats: ceil(repeats * d);
 * - channels (round_filters): max(8, floor(c * w + 4) / 8 * 8), plus 8 more
 *   if that fell below 90% of c * w; at w = 1 channels are kept as written;
 * - resolution: round(height * r), round(width * r).
 * Products are first rounded to 9 decimals so float noise (10 * 1.1 =
 * 11.000000000000002) cannot push a ceil or floor across an integer.
 */
import type { CompoundScaling, EfficientNetArchitecture, InputShape, MbconvStage } from '../../contracts/genotypes.ts';

const DIVISOR = 8;

export const round9 = (x: number) => Math.round(x * 1e9) / 1e9;

export function multipliers(scaling: CompoundScaling): { depth: number; width: number; resolution: number } {
  return {
    depth: scaling.alpha ** scaling.phi,
    width: scaling.beta ** scaling.phi,
    resolution: scaling.gamma ** scaling.phi,
  };
}

export function roundFilters(filters: number, width: number): number {
  if (width === 1) return filters;
  const scaled = round9(filters * width);
  let rounded = Math.max(DIVISOR, Math.floor((scaled + DIVISOR / 2) / DIVISOR) * DIVISOR);
  if (rounded < 0.9 * scaled) rounded += DIVISOR;
  return rounded;
}

export function roundRepeats(repeats: number, depth: number): number {
  return Math.ceil(round9(repeats * depth));
}

/** The stages with repeats and filters after compound scaling. */
export function scaledStages(arch: EfficientNetArchitecture): MbconvStage[] {
  const { depth, width } = multipliers(arch.scaling);
  return arch.stages.map((stage) => ({
    ...stage,
    repeats: roundRepeats(stage.repeats, depth),
    filters: roundFilters(stage.filters, width),
  }));
}

/** Stem, stages and head after compound scaling, and the input size the network resizes to. */
export function scaledNetwork(arch: EfficientNetArchitecture, input: InputShape) {
  const { width, resolution } = multipliers(arch.scaling);
  return {
    stemFilters: roundFilters(arch.stemFilters, width),
    stages: scaledStages(arch),
    headFilters: roundFilters(arch.headFilters, width),
    height: Math.round(round9(input.height * resolution)),
    width: Math.round(round9(input.width * resolution)),
  };
}

export function compoundProduct(c: { alpha: number; beta: number; gamma: number }): number {
  return c.alpha * c.beta ** 2 * c.gamma ** 2;
}

export interface CompoundGridConfig {
  /** Grid spacing; values are 1, 1 + step, 1 + 2 step, ... */
  step: number;
  /** Keep (alpha, beta, gamma) with |alpha * beta^2 * gamma^2 - 2| <= tolerance. */
  tolerance: number;
  /** Largest grid value (default 2). */
  max?: number;
}

/** Slack for float error in the product (2.1 - 2 is 0.10000000000000009 in doubles). */
export const PRODUCT_EPSILON = 1e-9;

/**
 * Every (alpha, beta, gamma) on the grid {1, 1 + step, ..., max}^3 whose
 * alpha * beta^2 * gamma^2 is within tolerance of 2, ordered by alpha, then
 * beta, then gamma. Grid values are rounded to 6 decimals.
 */
export function compoundGrid(config: CompoundGridConfig): Array<{ alpha: number; beta: number; gamma: number }> {
  const { step, tolerance } = config;
  const max = config.max ?? 2;
  if (typeof step !== 'number' || !(step >= 0.01 && step <= 1))
    throw new Error(`grid.step: must be a number in [0.01, 1], got ${step}`);
  if (typeof tolerance !== 'number' || !(tolerance >= 0 && tolerance <= 1)) {
    throw new Error(`grid.tolerance: must be a number in [0, 1], got ${tolerance}`);
  }
  if (typeof max !== 'number' || !(max >= 1 && max <= 4))
    throw new Error(`grid.max: must be a number in [1, 4], got ${max}`);
  const values: number[] = [];
  for (let i = 0; ; i++) {
    const v = Math.round((1 + i * step) * 1e6) / 1e6;
    if (v > max + PRODUCT_EPSILON) break;
    values.push(v);
  }
  const grid: Array<{ alpha: number; beta: number; gamma: number }> = [];
  for (const alpha of values) {
    for (const beta of values) {
      for (const gamma of values) {
        if (Math.abs(compoundProduct({ alpha, beta, gamma }) - 2) <= tolerance + PRODUCT_EPSILON)
          grid.push({ alpha, beta, gamma });
      }
    }
  }
  return grid;
}
