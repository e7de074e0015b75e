/**
 * The plan of a compound-scaling study (Tan and Le 2019), pure so that the
 * workflow can compute it.
 *
 * Step 1: at phi = 1, every (alpha, beta, gamma) of the grid {1, 1 + step, ...}
 * with |alpha * beta^2 * gamma^2 - 2| <= tolerance is trained; the best by
 * validation accuracy gives the coefficients.
 * Step 2: the compound line phi = 0..phiMax with those coefficients, and for
 * comparison depth-only, width-only and resolution-only scaling whose
 * cost-model FLOPs match the compound line's at each phi.
 *
 * How the single-axis points are matched: the rounded network (repeats by
 * ceil, channels to multiples of 8, resolution to whole pixels) is a step
 * function of the axis multiplier m. The plan lists the multipliers where
 * a step can occur, takes one m inside each step (the midpoint between
 * neighbouring breakpoints, so float noise cannot move it across one), and
 * binary-searches those for the network whose FLOPs are closest to the
 * compound point's in ratio (|log(flops / target)|), checking the
 * neighbours of the crossing since channel rounding is not strictly
 * monotone. That is as close as the rounding allows within the multiplier
 * caps below.
 *
 * A single-axis network is written as a valid genotype of the space: the
 * axis coefficient is 2 (depth) or sqrt(2) (width, resolution), so the
 * product constraint holds, and phi is log(m) / log(coefficient). Its point
 * records the per-unit-phi coefficient m^(1/phi) on that axis and 1 on the
 * others.
 */
import { architectureCost } from '../cells/index.ts';
import {
  canonicalEfficientNet,
  canonicalPublishedEfficientNet,
  compoundGrid,
  DEFAULT_SCALING_TOLERANCE,
  multipliers,
  validateAnyEfficientNet,
} from '../cells/efficientnet/index.ts';
import {
  GenotypeError,
  type CompoundScaling,
  type Cost,
  type EfficientNetArchitecture,
  type InputShape,
  type PublishedEfficientNetArchitecture,
} from '../contracts/genotypes.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { RequestError, shown } from '../contracts/request-error.ts';

/**
 * A network a study scales, and every network it trains: an EfficientNet-style genotype of
 * version 1, or of version 2 (Keras' EfficientNet, e.g. the published B0) with compound scaling.
 * Each scaled network keeps its base's version.
 */
export type ScalableEfficientNet =
  | EfficientNetArchitecture
  | (PublishedEfficientNetArchitecture & { scaling: CompoundScaling });

export const SCALING_AXES = ['depth', 'width', 'resolution'] as const;
export type ScalingAxis = (typeof SCALING_AXES)[number];
export type LineMethod = 'compound' | ScalingAxis;
export type PointMethod = 'grid' | LineMethod;
export const LINE_METHODS: readonly LineMethod[] = ['compound', ...SCALING_AXES];

export interface Coefficients {
  alpha: number;
  beta: number;
  gamma: number;
}

export interface ScalingStudyRequest {
  studyId: string;
  /** What the user named as base: a baseline name or a genotype file. */
  baseName: string;
  /** The unscaled (phi = 0) network every point scales. */
  base: ScalableEfficientNet;
  gridStep: number;
  tolerance: number;
  phiMax: number;
  parallel: number;
  protocol: TrainingProtocol;
  input: InputShape;
  classes: number;
  trainerTaskQueue: string;
  /** Trainings of every line point, seeds protocol.seed + 0 .. repeats - 1; absent (older studies): 1. */
  repeats?: number;
  /** Trainings of every grid point, likewise; absent: 1. */
  gridRepeats?: number;
}

export interface PlannedPoint {
  /** Trial index in the study; points sharing a network share an index. */
  index: number;
  method: PointMethod;
  phi: number;
  /** Per unit of phi: depth alpha^phi, width beta^phi, resolution gamma^phi. */
  coefficients: Coefficients;
  architecture: ScalableEfficientNet;
  cost: Cost;
}

export const SCALING_LIMITS = { gridStepMin: 0.01, gridStepMax: 1, phiMax: 6, repeats: 30 };
/** Largest multiplier tried on a single axis. */
export const AXIS_CAPS: Record<ScalingAxis, number> = { depth: 16, width: 8, resolution: 8 };
const AXIS_COEFFICIENT: Record<ScalingAxis, number> = {
  depth: 2,
  width: round6(Math.SQRT2),
  resolution: round6(Math.SQRT2),
};
const UNIT: Coefficients = { alpha: 1, beta: 1, gamma: 1 };

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

type StudyNumbers = Pick<ScalingStudyRequest, 'gridStep' | 'tolerance' | 'phiMax'>;
const STUDY_FLAGS: Record<keyof StudyNumbers, string> = {
  gridStep: '--grid-step',
  tolerance: '--tolerance',
  phiMax: '--phi-max',
};

/** Checks the numbers of a study; errors name `fields` (default the CLI flags, the validator passes the request fields). */
export function checkStudyNumbers(
  numbers: StudyNumbers,
  fields: Record<keyof StudyNumbers, string> = STUDY_FLAGS,
): void {
  const { gridStep, tolerance, phiMax } = numbers;
  const { gridStepMin, gridStepMax } = SCALING_LIMITS;
  if (typeof gridStep !== 'number' || !(gridStep >= gridStepMin && gridStep <= gridStepMax)) {
    throw new RequestError(
      fields.gridStep,
      `must be a number in [${gridStepMin}, ${gridStepMax}], got ${shown(gridStep)}`,
    );
  }
  if (typeof tolerance !== 'number' || !(tolerance > 0 && tolerance <= DEFAULT_SCALING_TOLERANCE)) {
    throw new RequestError(
      fields.tolerance,
      `must be a number in (0, ${DEFAULT_SCALING_TOLERANCE}] (genotypes allow alpha * beta^2 * gamma^2 within 2 +- ${DEFAULT_SCALING_TOLERANCE}), got ${shown(tolerance)}`,
    );
  }
  if (!Number.isInteger(phiMax) || phiMax < 1 || phiMax > SCALING_LIMITS.phiMax) {
    throw new RequestError(fields.phiMax, `must be an integer in 1..${SCALING_LIMITS.phiMax}, got ${shown(phiMax)}`);
  }
  if (gridCoefficients(gridStep, tolerance).length === 0) {
    throw new RequestError(
      fields.gridStep,
      `no (alpha, beta, gamma) >= 1 on a grid of step ${gridStep} has |alpha * beta^2 * gamma^2 - 2| <= ${tolerance}; use a finer step`,
    );
  }
}

/**
 * A network the study can scale: an EfficientNet-style genotype (version 1 or 2) with compound
 * scaling at phi = 0. `field` names where it came from (e.g. base) in errors.
 */
export function scalingBase(json: unknown, field: string): ScalableEfficientNet {
  const family = typeof json === 'object' && json !== null ? (json as { family?: unknown }).family : undefined;
  if (family !== 'efficientnet') {
    throw new RequestError(
      field,
      `a ${JSON.stringify(family ?? typeof json)} network cannot be compound-scaled; the base must be an EfficientNet-style genotype (family "efficientnet")`,
    );
  }
  let arch: EfficientNetArchitecture | PublishedEfficientNetArchitecture;
  try {
    arch = validateAnyEfficientNet(json);
  } catch (err) {
    if (err instanceof GenotypeError) throw new RequestError(`${field}.${err.path}`, err.problem);
    throw err;
  }
  if (!('phi' in arch.scaling)) {
    throw new RequestError(
      field,
      `a network scaled by a published table (width ${arch.scaling.width}, depth ${arch.scaling.depth}) cannot be the base; the base must have compound scaling at phi 0 (as efficientnet-b0 has)`,
    );
  }
  if (arch.scaling.phi !== 0) {
    throw new RequestError(field, `the base must be unscaled (scaling.phi = 0), got phi ${arch.scaling.phi}`);
  }
  return withScaling(arch as ScalableEfficientNet, arch.scaling);
}

/** The network with this scaling, in canonical form, of the same genotype version. */
function withScaling(arch: ScalableEfficientNet, scaling: CompoundScaling): ScalableEfficientNet {
  return arch.version === 2
    ? (canonicalPublishedEfficientNet({ ...arch, scaling }) as ScalableEfficientNet)
    : canonicalEfficientNet({ ...arch, scaling });
}

/** Step 1's coefficients: the grid up to the largest value the constraint allows (alpha <= 2 + tolerance). */
export function gridCoefficients(step: number, tolerance: number): Coefficients[] {
  return compoundGrid({ step, tolerance, max: Math.min(4, 2 + tolerance) });
}

export function compoundArchitecture(base: ScalableEfficientNet, c: Coefficients, phi: number): ScalableEfficientNet {
  return withScaling(base, { alpha: c.alpha, beta: c.beta, gamma: c.gamma, phi });
}

/** The base scaled by `multiplier` on one axis only, as a valid genotype (see the file comment). */
export function axisArchitecture(
  base: ScalableEfficientNet,
  axis: ScalingAxis,
  multiplier: number,
): ScalableEfficientNet {
  if (multiplier === 1) return compoundArchitecture(base, UNIT, 0);
  const k = AXIS_COEFFICIENT[axis];
  const coefficients = {
    alpha: axis === 'depth' ? k : 1,
    beta: axis === 'width' ? k : 1,
    gamma: axis === 'resolution' ? k : 1,
  };
  return compoundArchitecture(base, coefficients, round6(Math.log(multiplier) / Math.log(k)));
}

/** The multiplier a genotype applies on `axis`. */
export function axisMultiplier(arch: ScalableEfficientNet, axis: ScalingAxis): number {
  const m = multipliers(arch.scaling);
  return axis === 'depth' ? m.depth : axis === 'width' ? m.width : m.resolution;
}

/** Multipliers where the rounded network can change along `axis`, from 1 up to the cap. */
export function axisBreakpoints(base: ScalableEfficientNet, axis: ScalingAxis, input: InputShape): number[] {
  const cap = AXIS_CAPS[axis];
  const points = new Set<number>([1]);
  const add = (m: number) => {
    if (m > 1 && m <= cap) points.add(round6(m));
  };
  if (axis === 'depth') {
    for (const { repeats } of base.stages) for (let k = repeats + 1; k <= repeats * cap; k++) add(k / repeats);
  } else if (axis === 'width') {
    const channels = new Set([base.stemFilters, base.headFilters, ...base.stages.map((s) => s.filters)]);
    for (const c of channels) {
      for (let k = 1; (8 * k - 4) / c <= cap; k++) {
        add((8 * k - 4) / c); // floor((c * w + 4) / 8) steps up
        add((8 * k) / (0.9 * c)); // the "less than 90%" correction steps up
      }
    }
  } else {
    for (const size of new Set([input.height, input.width])) {
      for (let s = size; (s + 0.5) / size <= cap; s++) add((s + 0.5) / size);
    }
  }
  return [...points].sort((a, b) => a - b);
}

/** One multiplier inside each rounding step: 1 itself, then the midpoints between breakpoints. */
export function axisCandidates(base: ScalableEfficientNet, axis: ScalingAxis, input: InputShape): number[] {
  const breaks = axisBreakpoints(base, axis, input);
  const mids = breaks.slice(1).map((b, i) => round6((breaks[i] + b) / 2));
  return [1, ...mids];
}

export interface AxisMatch {
  architecture: ScalableEfficientNet;
  multiplier: number;
  cost: Cost;
}

/** The single-axis network whose cost-model FLOPs are closest in ratio to `targetFlops`. */
export function matchAxis(
  base: ScalableEfficientNet,
  axis: ScalingAxis,
  targetFlops: number,
  input: InputShape,
  classes: number,
): AxisMatch {
  const candidates = axisCandidates(base, axis, input);
  const memo = new Map<number, AxisMatch>();
  const at = (i: number): AxisMatch => {
    let match = memo.get(i);
    if (!match) {
      const architecture = axisArchitecture(base, axis, candidates[i]);
      match = {
        architecture,
        multiplier: axisMultiplier(architecture, axis),
        cost: architectureCost(architecture, input, classes),
      };
      memo.set(i, match);
    }
    return match;
  };
  // First candidate whose FLOPs reach the target (FLOPs grow with the multiplier up to rounding wiggles).
  let lo = 0;
  let hi = candidates.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (at(mid).cost.flops >= targetFlops) hi = mid;
    else lo = mid + 1;
  }
  const distance = (m: AxisMatch) => Math.abs(Math.log(m.cost.flops / targetFlops));
  let best = at(lo);
  for (let i = Math.max(0, lo - 3); i <= Math.min(candidates.length - 1, lo + 3); i++) {
    if (distance(at(i)) < distance(best) - 1e-12) best = at(i);
  }
  return best;
}

/** Step 1: the grid at phi = 1, trial indices 0..G-1 in grid order. */
export function gridPlan(
  request: Pick<ScalingStudyRequest, 'base' | 'gridStep' | 'tolerance' | 'input' | 'classes'>,
): PlannedPoint[] {
  return gridCoefficients(request.gridStep, request.tolerance).map((coefficients, index) => {
    const architecture = compoundArchitecture(request.base, coefficients, 1);
    return {
      index,
      method: 'grid',
      phi: 1,
      coefficients,
      architecture,
      cost: architectureCost(architecture, request.input, request.classes),
    };
  });
}

/**
 * Trial indices of step 2, fixed by the grid size and phiMax alone so a rerun
 * hits the same rows: the base at G, then for phi = 1..phiMax the compound
 * point (phi >= 2; at phi = 1 it is the chosen grid point) and the depth,
 * width and resolution points, in that order.
 */
export function lineIndex(gridSize: number, phiMax: number, method: LineMethod, phi: number): number {
  if (phi === 0) return gridSize;
  let index = gridSize + 1;
  for (let p = 1; p <= phiMax; p++) {
    for (const m of LINE_METHODS) {
      if (m === 'compound' && p === 1) continue;
      if (p === phi && m === method) return index;
      index++;
    }
  }
  throw new RangeError(`no line point ${method} at phi ${phi} (phiMax ${phiMax})`);
}

/** How many trials a study plans: the grid, the base, and the line points. */
export function plannedTrialCount(gridSize: number, phiMax: number): number {
  return gridSize + 1 + phiMax * 4 - 1;
}

/** How often a training cancelled by a stop is tried again, each time under a new trial index. */
export const ATTEMPTS_PER_TRAINING = 4;

export function studyRepeats(request: Pick<ScalingStudyRequest, 'repeats' | 'gridRepeats'>): {
  repeats: number;
  gridRepeats: number;
} {
  return { repeats: request.repeats ?? 1, gridRepeats: request.gridRepeats ?? 1 };
}

/**
 * The trial index of a training: point index + planned · (ATTEMPTS_PER_TRAINING · repeat + attempt).
 * Repeat 0 keeps the indices of studies without repeats, and no index depends on how many
 * repeats were asked for, so a study rerun with more repeats finds its earlier trainings.
 */
export function scalingTrialIndex(index: number, repeat: number, attempt: number, planned: number): number {
  return index + planned * (ATTEMPTS_PER_TRAINING * repeat + attempt);
}

/** Distinct trainings of a study: the grid's points, the base and the line points, each repeated. */
export function plannedTrainings(
  gridSize: number,
  request: Pick<ScalingStudyRequest, 'phiMax' | 'repeats' | 'gridRepeats'>,
): number {
  const { repeats, gridRepeats } = studyRepeats(request);
  // The compound point at phi = 1 is a grid point: it has its grid repeats and needs at least `repeats`.
  const lineTrainings = (plannedTrialCount(gridSize, request.phiMax) - gridSize) * repeats;
  return gridSize * gridRepeats + lineTrainings + Math.max(0, repeats - gridRepeats);
}

export interface ChosenCoefficients {
  gridIndex: number;
  coefficients: Coefficients;
  valAccuracy: number;
}

/**
 * The grid point with the best validation accuracy (with repeats: the best mean over its usable
 * trainings; the lowest index on ties); null when none has one.
 */
export function chooseCoefficients(
  grid: PlannedPoint[],
  valAccuracies: Array<number | null>,
): ChosenCoefficients | null {
  let chosen: ChosenCoefficients | null = null;
  grid.forEach((point, i) => {
    const acc = valAccuracies[i];
    if (acc !== null && Number.isFinite(acc) && (chosen === null || acc > chosen.valAccuracy)) {
      chosen = { gridIndex: point.index, coefficients: point.coefficients, valAccuracy: acc };
    }
  });
  return chosen;
}

/**
 * Step 2: every point of the four lines for phi = 0..phiMax. At phi = 0 all
 * four share the base network; the compound point at phi = 1 is the chosen
 * grid point.
 */
export function linePlan(request: ScalingStudyRequest, gridSize: number, chosen: ChosenCoefficients): PlannedPoint[] {
  const { base, input, classes, phiMax } = request;
  const baseArch = compoundArchitecture(base, UNIT, 0);
  const baseCost = architectureCost(baseArch, input, classes);
  const points: PlannedPoint[] = LINE_METHODS.map((method) => ({
    index: gridSize,
    method,
    phi: 0,
    coefficients: method === 'compound' ? chosen.coefficients : UNIT,
    architecture: baseArch,
    cost: baseCost,
  }));
  for (let phi = 1; phi <= phiMax; phi++) {
    const compound = compoundArchitecture(base, chosen.coefficients, phi);
    const compoundCost = architectureCost(compound, input, classes);
    points.push({
      index: phi === 1 ? chosen.gridIndex : lineIndex(gridSize, phiMax, 'compound', phi),
      method: 'compound',
      phi,
      coefficients: chosen.coefficients,
      architecture: compound,
      cost: compoundCost,
    });
    for (const axis of SCALING_AXES) {
      const match = matchAxis(base, axis, compoundCost.flops, input, classes);
      const perUnit = match.multiplier ** (1 / phi);
      points.push({
        index: lineIndex(gridSize, phiMax, axis, phi),
        method: axis,
        phi,
        coefficients: {
          alpha: axis === 'depth' ? perUnit : 1,
          beta: axis === 'width' ? perUnit : 1,
          gamma: axis === 'resolution' ? perUnit : 1,
        },
        architecture: match.architecture,
        cost: match.cost,
      });
    }
  }
  return points;
}
