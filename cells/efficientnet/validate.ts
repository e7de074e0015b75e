import {
  GenotypeError,
  type CompoundScaling,
  type EfficientNetArchitecture,
  type MbconvStage,
} from '../../contracts/genotypes.ts';
import { EFFICIENTNET_COEFFICIENTS } from './base.ts';
import { compoundProduct, PRODUCT_EPSILON } from './scaling.ts';

export const EFFICIENTNET_KERNELS = [3, 5] as const;
export const EFFICIENTNET_EXPANSIONS = [1, 4, 6] as const;
export const EFFICIENTNET_LIMITS = { stages: 12, repeats: 16, filters: 2048, coefficient: 4, phi: 8 };
/** Default allowed distance of alpha * beta^2 * gamma^2 from 2. */
export const DEFAULT_SCALING_TOLERANCE = 0.1;

const TOP_FIELDS = ['family', 'version', 'stemFilters', 'stages', 'headFilters', 'scaling'];
const STAGE_FIELDS = ['kernel', 'expansion', 'repeats', 'filters', 'strides'];
const SCALING_FIELDS = ['alpha', 'beta', 'gamma', 'phi'];

type Json = Record<string, unknown>;

function object(value: unknown, path: string, fields: string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GenotypeError(path, `must be an object with fields ${fields.join(', ')}`);
  }
  for (const key of Object.keys(value)) {
    if (!fields.includes(key))
      throw new GenotypeError(`${path}.${key}`, `unknown field; allowed fields: ${fields.join(', ')}`);
  }
  return value as Json;
}

function oneOf<T>(value: unknown, path: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    const list = allowed.length === 2 ? `${allowed[0]} or ${allowed[1]}` : `one of ${allowed.join(', ')}`;
    throw new GenotypeError(path, `must be ${list}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function integer(value: unknown, path: string, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new GenotypeError(path, `must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function number(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new GenotypeError(path, `must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function stage(value: unknown, path: string): MbconvStage {
  const s = object(value, path, STAGE_FIELDS);
  return {
    kernel: oneOf(s.kernel, `${path}.kernel`, EFFICIENTNET_KERNELS),
    expansion: oneOf(s.expansion, `${path}.expansion`, EFFICIENTNET_EXPANSIONS),
    repeats: integer(s.repeats, `${path}.repeats`, 1, EFFICIENTNET_LIMITS.repeats),
    filters: integer(s.filters, `${path}.filters`, 1, EFFICIENTNET_LIMITS.filters),
    strides: oneOf(s.strides, `${path}.strides`, [1, 2] as const),
  };
}

function scaling(value: unknown, tolerance: number): CompoundScaling {
  const s = object(value, 'scaling', SCALING_FIELDS);
  const c = EFFICIENTNET_LIMITS.coefficient;
  const result = {
    alpha: number(s.alpha, 'scaling.alpha', 1, c),
    beta: number(s.beta, 'scaling.beta', 1, c),
    gamma: number(s.gamma, 'scaling.gamma', 1, c),
    phi: number(s.phi, 'scaling.phi', 0, EFFICIENTNET_LIMITS.phi),
  };
  const product = compoundProduct(result);
  if (result.phi !== 0 && Math.abs(product - 2) > tolerance + PRODUCT_EPSILON) {
    throw new GenotypeError(
      'scaling',
      `alpha * beta^2 * gamma^2 must be within 2 +- ${tolerance} when phi != 0, got ${+product.toFixed(6)}`,
    );
  }
  return result;
}

/**
 * Checks a JSON value is an EfficientNet genotype and returns a clean copy.
 * Errors name the field (e.g. `stages[2].kernel`) and the allowed values.
 * `tolerance` bounds |alpha * beta^2 * gamma^2 - 2|; phi = 0 is always allowed.
 */
export function validateEfficientNet(json: unknown, options: { tolerance?: number } = {}): EfficientNetArchitecture {
  const tolerance = options.tolerance ?? DEFAULT_SCALING_TOLERANCE;
  const a = object(json, 'efficientnet', TOP_FIELDS);
  if (a.family !== 'efficientnet')
    throw new GenotypeError('family', `must be "efficientnet", got ${JSON.stringify(a.family)}`);
  if (a.version !== 1) throw new GenotypeError('version', `must be 1, got ${JSON.stringify(a.version)}`);
  const stemFilters = integer(a.stemFilters, 'stemFilters', 1, EFFICIENTNET_LIMITS.filters);
  if (!Array.isArray(a.stages) || a.stages.length < 1 || a.stages.length > EFFICIENTNET_LIMITS.stages) {
    throw new GenotypeError('stages', `must be an array of 1..${EFFICIENTNET_LIMITS.stages} stages`);
  }
  const stages = a.stages.map((s, i) => stage(s, `stages[${i}]`));
  const headFilters = integer(a.headFilters, 'headFilters', 1, EFFICIENTNET_LIMITS.filters);
  return {
    family: 'efficientnet',
    version: 1,
    stemFilters,
    stages,
    headFilters,
    scaling: scaling(a.scaling, tolerance),
  };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The one form of a network: fields in a fixed order, coefficients and phi
 * rounded to 6 decimals, and at phi = 0 (where the coefficients change
 * nothing) the coefficients replaced by EFFICIENTNET_COEFFICIENTS, so equal
 * networks hash equally.
 */
export function canonicalEfficientNet(arch: EfficientNetArchitecture): EfficientNetArchitecture {
  const phi = round6(arch.scaling.phi);
  const coefficients =
    phi === 0
      ? EFFICIENTNET_COEFFICIENTS
      : { alpha: round6(arch.scaling.alpha), beta: round6(arch.scaling.beta), gamma: round6(arch.scaling.gamma) };
  return {
    family: 'efficientnet',
    version: 1,
    stemFilters: arch.stemFilters,
    stages: arch.stages.map(({ kernel, expansion, repeats, filters, strides }) => ({
      kernel,
      expansion,
      repeats,
      filters,
      strides,
    })),
    headFilters: arch.headFilters,
    scaling: { alpha: coefficients.alpha, beta: coefficients.beta, gamma: coefficients.gamma, phi },
  };
}

/** e.g. `effnet stem16 [k3e1c8x1s1 k3e6c16x2s2 ...] head256 a1.2 b1.1 g1.15 phi0` */
export function efficientNetString(arch: EfficientNetArchitecture): string {
  const stages = arch.stages.map((s) => `k${s.kernel}e${s.expansion}c${s.filters}x${s.repeats}s${s.strides}`).join(' ');
  const { alpha, beta, gamma, phi } = arch.scaling;
  return `effnet stem${arch.stemFilters} [${stages}] head${arch.headFilters} a${alpha} b${beta} g${gamma} phi${phi}`;
}
