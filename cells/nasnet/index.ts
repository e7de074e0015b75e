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
} from './genotype';
export { nasnetGraph, unconsumedBlocks } from './network';
export { nasnetSpace, resolveNasnetSpaceConfig, sampleNasnet, type NasnetSpaceConfig, type ResolvedNasnetSpaceConfig } from './space';
