import type { CompoundScaling, EfficientNetArchitecture } from '../../contracts/genotypes.ts';

/** The compound coefficients EfficientNet's grid search found (alpha * beta^2 * gamma^2 = 1.92). */
export const EFFICIENTNET_COEFFICIENTS: Omit<CompoundScaling, 'phi'> = { alpha: 1.2, beta: 1.1, gamma: 1.15 };

/**
 * EfficientNet-B0 sized for 28x28 inputs: B0's first six stages with their
 * kernels, expansions, repeats and strides (7th, the single 320-channel
 * block, dropped), fewer channels (8-24-40-48-56-64 instead of
 * 16-24-40-80-112-192), a stride-1 stem (28x28 is already 8x smaller than
 * 224) and a 256-channel head. Spatial sizes 28 -> 14 -> 7 -> 4 -> 2.
 * The channels are multiples of 8 chosen so that round_filters' steps of 8
 * still let FLOPs grow by 1.9-2.2x per unit of phi (phi 0..3).
 */
export const EFFICIENTNET_B0_SMALL: EfficientNetArchitecture = {
  family: 'efficientnet',
  version: 1,
  stemFilters: 16,
  stages: [
    { kernel: 3, expansion: 1, repeats: 1, filters: 8, strides: 1 },
    { kernel: 3, expansion: 6, repeats: 2, filters: 24, strides: 2 },
    { kernel: 5, expansion: 6, repeats: 2, filters: 40, strides: 2 },
    { kernel: 3, expansion: 6, repeats: 3, filters: 48, strides: 2 },
    { kernel: 5, expansion: 6, repeats: 3, filters: 56, strides: 1 },
    { kernel: 5, expansion: 6, repeats: 4, filters: 64, strides: 2 },
  ],
  headFilters: 256,
  scaling: { ...EFFICIENTNET_COEFFICIENTS, phi: 0 },
};
