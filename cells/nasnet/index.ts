export {
  COMBINES,
  DEFAULT_NASNET_NETWORK,
  MAX_BLOCKS,
  NASNET_A,
  NASNET_OP_ABBREVIATIONS,
  NETWORK_LIMITS,
  canonicalNasnet,
  nasnetString,
  validateNasnet,
  type NasnetLimits,
} from './genotype.ts';
export { nasnetGraph, unconsumedBlocks } from './network.ts';
export {
  nasnetSpace,
  resolveNasnetSpaceConfig,
  sampleNasnet,
  samplePublishedNasnet,
  unusedStates,
  type NasnetSpaceConfig,
  type ResolvedNasnetSpaceConfig,
} from './space.ts';
export {
  NASNET_A_CIFAR,
  NASNET_A_LARGE,
  NASNET_A_MOBILE,
  SUPPORTED_NASNET_VERSIONS,
  canonicalPublishedNasnet,
  publishedNasnetGraph,
  publishedNasnetString,
  validateAnyNasnet,
  validatePublishedNasnet,
} from './published.ts';
