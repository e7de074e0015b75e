export {
  MOBILENETV2_1_0,
  MOBILENETV2_ROWS,
  MOBILENETV2_WIDTH_LIMITS,
  canonicalMobileNetV2,
  makeDivisible,
  mobileNetV2Graph,
  mobileNetV2HeadFilters,
  mobileNetV2String,
  validateMobileNetV2,
} from './network.ts';
