export { EFFICIENTNET_B0_SMALL, EFFICIENTNET_COEFFICIENTS } from './base.ts';
export {
  compoundGrid,
  compoundProduct,
  multipliers,
  roundFilters,
  roundRepeats,
  scaledNetwork,
  scaledStages,
  type CompoundGridConfig,
} from './scaling.ts';
export {
  canonicalEfficientNet,
  DEFAULT_SCALING_TOLERANCE,
  EFFICIENTNET_EXPANSIONS,
  EFFICIENTNET_KERNELS,
  EFFICIENTNET_LIMITS,
  efficientNetString,
  validateEfficientNet,
} from './validate.ts';
export { efficientNetGraph, mbconv } from './graph.ts';
export {
  DEFAULT_EFFICIENTNET_SPACE,
  efficientNetSpace,
  sampleEfficientNet,
  type EfficientNetSpaceConfig,
} from './space.ts';
export { efficientNetLayers, type ResolvedEfficientNet } from './graph.ts';
export {
  EFFICIENTNET_TABLE,
  STEM_STRIDE_2_FROM,
  canonicalPublishedEfficientNet,
  efficientNetB,
  publishedEfficientNetGraph,
  publishedEfficientNetString,
  roundFiltersAlways,
  stemStridesFor,
  validateAnyEfficientNet,
  validatePublishedEfficientNet,
} from './published.ts';
