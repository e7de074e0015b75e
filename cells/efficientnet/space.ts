import {
  GenotypeError,
  type Architecture,
  type Decision,
  type DecisionSpace,
  type EfficientNetArchitecture,
} from '../../contracts/genotypes.ts';
import { EFFICIENTNET_B0_SMALL } from './base.ts';
import { compoundGrid, type CompoundGridConfig } from './scaling.ts';
import {
  canonicalEfficientNet,
  DEFAULT_SCALING_TOLERANCE,
  EFFICIENTNET_EXPANSIONS,
  EFFICIENTNET_KERNELS,
  EFFICIENTNET_LIMITS,
  efficientNetString,
  validateEfficientNet,
} from './validate.ts';

export interface EfficientNetSpaceConfig {
  /** Fixes stem, per-stage filters and strides, head, and the scaling that is not searched. */
  base: EfficientNetArchitecture;
  kernels: Array<3 | 5>;
  expansions: Array<1 | 4 | 6>;
  /** Repeat counts each stage may take (before depth scaling). */
  repeats: number[];
  /** When set, the compound coefficients are searched: an index into compoundGrid(grid). */
  grid?: CompoundGridConfig;
  /** When set, phi is searched among these values. */
  phis?: number[];
}

export const DEFAULT_EFFICIENTNET_SPACE: EfficientNetSpaceConfig = {
  base: EFFICIENTNET_B0_SMALL,
  kernels: [3, 5],
  expansions: [1, 4, 6],
  repeats: [1, 2, 3, 4],
};

const COEFFICIENTS = 'scaling.coefficients';
const PHI = 'scaling.phi';

function listOf<T extends number>(
  value: unknown,
  path: string,
  allowed: (v: number) => boolean,
  describe: string,
): T[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new GenotypeError(path, `must be a non-empty array of ${describe}`);
  value.forEach((v, i) => {
    if (typeof v !== 'number' || !allowed(v))
      throw new GenotypeError(`${path}[${i}]`, `must be ${describe}, got ${JSON.stringify(v)}`);
    if (value.indexOf(v) !== i) throw new GenotypeError(`${path}[${i}]`, `repeats the value ${v}`);
  });
  return [...value];
}

function resolveConfig(partial: Partial<EfficientNetSpaceConfig>): EfficientNetSpaceConfig {
  const config = { ...DEFAULT_EFFICIENTNET_SPACE, ...partial };
  let base: EfficientNetArchitecture;
  try {
    base = validateEfficientNet(config.base);
  } catch (e) {
    throw e instanceof GenotypeError ? new GenotypeError(`base.${e.path}`, e.problem) : e;
  }
  const resolved: EfficientNetSpaceConfig = {
    base,
    kernels: listOf(
      config.kernels,
      'kernels',
      (v) => (EFFICIENTNET_KERNELS as readonly number[]).includes(v),
      '3 or 5',
    ),
    expansions: listOf(
      config.expansions,
      'expansions',
      (v) => (EFFICIENTNET_EXPANSIONS as readonly number[]).includes(v),
      '1, 4 or 6',
    ),
    repeats: listOf(
      config.repeats,
      'repeats',
      (v) => Number.isInteger(v) && v >= 1 && v <= EFFICIENTNET_LIMITS.repeats,
      `integers in 1..${EFFICIENTNET_LIMITS.repeats}`,
    ),
  };
  if (config.grid !== undefined) {
    if (!(config.grid.tolerance <= DEFAULT_SCALING_TOLERANCE)) {
      throw new GenotypeError(
        'grid.tolerance',
        `must be at most ${DEFAULT_SCALING_TOLERANCE} so every decoded network validates`,
      );
    }
    resolved.grid = { step: config.grid.step, tolerance: config.grid.tolerance, max: config.grid.max ?? 2 };
  }
  if (config.phis !== undefined) {
    const max = EFFICIENTNET_LIMITS.phi;
    resolved.phis = listOf(
      config.phis,
      'phis',
      (v) => Number.isFinite(v) && v >= 0 && v <= max,
      `numbers in [0, ${max}]`,
    );
  }
  return resolved;
}

const sameNumber = (a: number, b: number) => Math.abs(a - b) < 1e-6;

/**
 * The EfficientNet space as categorical decisions: per stage kernel,
 * expansion and repeats; then, if configured, the compound coefficients (an
 * index into compoundGrid(config.grid)) and phi (an index into config.phis).
 * Everything else comes from config.base. decode returns canonical genotypes.
 */
export function efficientNetSpace(partial: Partial<EfficientNetSpaceConfig> = {}): DecisionSpace {
  const config = resolveConfig(partial);
  const { base } = config;
  const grid = config.grid ? compoundGrid(config.grid) : undefined;
  if (grid && grid.length === 0) {
    throw new GenotypeError(
      'grid',
      `no (alpha, beta, gamma) on this grid has alpha * beta^2 * gamma^2 within 2 +- ${config.grid!.tolerance}`,
    );
  }
  if (!grid && base.scaling.phi === 0 && config.phis?.some((phi) => phi !== 0)) {
    validateEfficientNet({ ...base, scaling: { ...base.scaling, phi: 1 } }); // base coefficients must allow phi != 0
  }

  const decisions: Decision[] = base.stages.flatMap((_, i) => [
    { name: `stages[${i}].kernel`, size: config.kernels.length },
    { name: `stages[${i}].expansion`, size: config.expansions.length },
    { name: `stages[${i}].repeats`, size: config.repeats.length },
  ]);
  if (grid) decisions.push({ name: COEFFICIENTS, size: grid.length });
  if (config.phis) decisions.push({ name: PHI, size: config.phis.length });

  const decode = (choices: readonly number[]): EfficientNetArchitecture => {
    if (!Array.isArray(choices) || choices.length !== decisions.length) {
      throw new GenotypeError(
        'choices',
        `must be an array of ${decisions.length} indices, got ${Array.isArray(choices) ? choices.length : typeof choices}`,
      );
    }
    choices.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c >= decisions[i].size) {
        throw new GenotypeError(
          `choices[${i}] (${decisions[i].name})`,
          `must be an integer in 0..${decisions[i].size - 1}, got ${c}`,
        );
      }
    });
    const stages = base.stages.map((stage, i) => ({
      ...stage,
      kernel: config.kernels[choices[3 * i]],
      expansion: config.expansions[choices[3 * i + 1]],
      repeats: config.repeats[choices[3 * i + 2]],
    }));
    let next = 3 * base.stages.length;
    const coefficients = grid ? grid[choices[next++]] : base.scaling;
    const phi = config.phis ? config.phis[choices[next++]] : base.scaling.phi;
    return canonicalEfficientNet({
      ...base,
      stages,
      scaling: { alpha: coefficients.alpha, beta: coefficients.beta, gamma: coefficients.gamma, phi },
    });
  };

  const encode = (architecture: Architecture): number[] => {
    if (architecture?.family !== 'efficientnet')
      throw new GenotypeError('family', 'this space only holds "efficientnet" architectures');
    const arch = canonicalEfficientNet(validateEfficientNet(architecture));
    const fixed = (path: string, got: unknown, want: unknown) => {
      if (got !== want) throw new GenotypeError(path, `this space fixes it to ${want}, got ${got}`);
    };
    fixed('stemFilters', arch.stemFilters, base.stemFilters);
    fixed('headFilters', arch.headFilters, base.headFilters);
    fixed('stages.length', arch.stages.length, base.stages.length);
    const index = (path: string, options: readonly number[], value: number) => {
      const i = options.findIndex((o) => sameNumber(o, value));
      if (i < 0) throw new GenotypeError(path, `must be one of ${options.join(', ')} in this space, got ${value}`);
      return i;
    };
    const choices = arch.stages.flatMap((stage, i) => {
      fixed(`stages[${i}].filters`, stage.filters, base.stages[i].filters);
      fixed(`stages[${i}].strides`, stage.strides, base.stages[i].strides);
      return [
        index(`stages[${i}].kernel`, config.kernels, stage.kernel),
        index(`stages[${i}].expansion`, config.expansions, stage.expansion),
        index(`stages[${i}].repeats`, config.repeats, stage.repeats),
      ];
    });
    const { alpha, beta, gamma, phi } = arch.scaling;
    if (phi !== 0) {
      const want = grid ?? [base.scaling];
      const at = want.findIndex(
        (c) => sameNumber(c.alpha, alpha) && sameNumber(c.beta, beta) && sameNumber(c.gamma, gamma),
      );
      if (at < 0) {
        throw new GenotypeError(
          'scaling',
          `(alpha ${alpha}, beta ${beta}, gamma ${gamma}) is not ${grid ? "on this space's compound grid" : 'the coefficients this space fixes'}`,
        );
      }
      if (grid) choices.push(at);
    } else if (grid) {
      choices.push(0); // at phi = 0 the coefficients change nothing; canonical form ignores them
    }
    if (config.phis) choices.push(index(PHI, config.phis, phi));
    else fixed(PHI, phi, canonicalEfficientNet(base).scaling.phi);
    return choices;
  };

  const id =
    `efficientnet(${efficientNetString(base)}; kernels=${config.kernels}; expansions=${config.expansions}; ` +
    `repeats=${config.repeats}; grid=${config.grid ? `${config.grid.step}/${config.grid.tolerance}/${config.grid.max}` : 'none'}; ` +
    `phis=${config.phis ?? 'none'})`;
  return { id, decisions, decode, encode };
}

/** A uniformly random genotype of the space, drawn with the given seeded generator. */
export function sampleEfficientNet(
  rng: () => number,
  config: Partial<EfficientNetSpaceConfig> = {},
): EfficientNetArchitecture {
  const space = efficientNetSpace(config);
  const choices = space.decisions.map((d) => Math.min(d.size - 1, Math.floor(rng() * d.size)));
  return space.decode(choices) as EfficientNetArchitecture;
}
