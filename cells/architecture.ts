/** Family dispatch: one entry point for any architecture genotype. */
import { baselineGraph, baselineString, validateBaseline } from './baselines/index.ts';
import { graphCost } from './cost.ts';
import {
  canonicalEfficientNet,
  canonicalPublishedEfficientNet,
  efficientNetGraph,
  efficientNetString,
  publishedEfficientNetGraph,
  publishedEfficientNetString,
  validateAnyEfficientNet,
} from './efficientnet/index.ts';
import type { LayerGraph } from './graph.ts';
import { stableHash } from '../contracts/hash.ts';
import { canonicalMobileNetV2, mobileNetV2Graph, mobileNetV2String, validateMobileNetV2 } from './mobilenetv2/index.ts';
import {
  canonicalNasnet,
  canonicalPublishedNasnet,
  nasnetGraph,
  nasnetString,
  publishedNasnetGraph,
  publishedNasnetString,
  validateAnyNasnet,
} from './nasnet/index.ts';
import { GenotypeError, type Architecture, type Cost, type Family, type InputShape } from '../contracts/genotypes.ts';

export const FAMILIES: readonly Family[] = ['nasnet', 'efficientnet', 'mobilenetv2', 'baseline'];

/** Checks untrusted JSON of any family and version; GenotypeError names the field and the allowed values. */
export function validateArchitecture(json: unknown): Architecture {
  const family =
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as { family?: unknown }).family
      : undefined;
  switch (family) {
    case 'nasnet':
      return validateAnyNasnet(json);
    case 'efficientnet':
      return validateAnyEfficientNet(json);
    case 'mobilenetv2':
      return validateMobileNetV2(json);
    case 'baseline':
      return validateBaseline(json);
    default:
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw new GenotypeError('architecture', `must be an object with a family field (${FAMILIES.join(', ')})`);
      }
      throw new GenotypeError('family', `${JSON.stringify(family)} is not one of ${FAMILIES.join(', ')}`);
  }
}

/**
 * The one representative of all genotypes that denote the same network.
 * Version-1 genotypes keep the form (and so the hash) they always had.
 */
export function canonicalArchitecture(arch: Architecture): Architecture {
  switch (arch.family) {
    case 'nasnet':
      return arch.version === 2 ? canonicalPublishedNasnet(arch) : canonicalNasnet(arch);
    case 'efficientnet':
      return arch.version === 2 ? canonicalPublishedEfficientNet(arch) : canonicalEfficientNet(arch);
    case 'mobilenetv2':
      return canonicalMobileNetV2(arch);
    case 'baseline':
      return validateBaseline(arch);
  }
}

/** 16 hex digits identifying the network: equal for genotypes with the same canonical form. */
export function architectureHash(arch: Architecture): string {
  return stableHash(canonicalArchitecture(arch));
}

export function describeArchitecture(arch: Architecture): string {
  switch (arch.family) {
    case 'nasnet':
      return arch.version === 2 ? publishedNasnetString(arch) : nasnetString(arch);
    case 'efficientnet':
      return arch.version === 2 ? publishedEfficientNetString(arch) : efficientNetString(arch);
    case 'mobilenetv2':
      return mobileNetV2String(arch);
    case 'baseline':
      return baselineString(arch);
  }
}

export function architectureGraph(arch: Architecture, input: InputShape, classes: number): LayerGraph {
  switch (arch.family) {
    case 'nasnet':
      return arch.version === 2 ? publishedNasnetGraph(arch, input, classes) : nasnetGraph(arch, input, classes);
    case 'efficientnet':
      return arch.version === 2
        ? publishedEfficientNetGraph(arch, input, classes)
        : efficientNetGraph(arch, input, classes);
    case 'mobilenetv2':
      return mobileNetV2Graph(arch, input, classes);
    case 'baseline':
      return baselineGraph(arch, input, classes);
  }
}

/** Parameters and FLOPs (see FLOPS_CONVENTION in cells/cost) of the network for that input and class count. */
export function architectureCost(arch: Architecture, input: InputShape, classes: number): Cost {
  return graphCost(architectureGraph(arch, input, classes));
}
