/** Turns `nas scaling start` flags into a ScalingStudyRequest checked by its validator (search/validate-request.ts), or a RequestError naming the flag. */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BASELINES } from '../cells/baselines/index.ts';
import type { Architecture } from '../contracts/genotypes.ts';
import { PUBLISHED_NETWORKS } from '../cells/published.ts';
import { RequestError } from '../contracts/request-error.ts';
import {
  requireNonNegativeNumber,
  requireOneOf,
  requirePositiveInteger,
  requireSearchId,
} from '../contracts/field-checks.ts';
import { DEFAULT_PLATEAU, DEFAULT_PLATEAU_MAX_EPOCHS } from '../contracts/plateau.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { checkProtocol } from '../contracts/protocol-checks.ts';
import { datasetShape } from '../contracts/datasets.ts';
import { scalingBase, type ScalableEfficientNet, type ScalingStudyRequest } from '../search/scaling-plan.ts';
import { validateScalingRequest } from '../search/validate-request.ts';
import { DEFAULT_TRAINER_TASK_QUEUE } from '../workers/task-queues.ts';
import { stringFlag, type Flags } from './args.ts';
import { requireBackendFlag } from './backend-flag.ts';
import { validateAsFlags } from './request-fields.ts';
import { protocolFromFlags, type TrainingRequestOptions } from './search-request.ts';

export const SCALING_DEFAULTS = { base: 'efficientnet-b0-small', gridStep: 0.1, tolerance: 0.1, phiMax: 2 };

/** The EfficientNet-style networks by name that compound scaling applies to: baselines and the published B0. */
export function scalableBaselines(): string[] {
  return namedNetworks()
    .filter((n) => scalable(n.architecture))
    .map((n) => n.name);
}

function namedNetworks(): Array<{ name: string; architecture: Architecture }> {
  return [...BASELINES, ...PUBLISHED_NETWORKS];
}

function scalable(arch: Architecture): boolean {
  return arch.family === 'efficientnet' && 'phi' in arch.scaling && arch.scaling.phi === 0;
}

const BASES_THAT_SCALE = () =>
  `bases that scale: ${scalableBaselines().join(', ')}, or a JSON file with an EfficientNet-style genotype (version 1 or 2, compound scaling at phi 0)`;

/** A baseline or published network's name, or a genotype JSON file; anything else is an error naming --base. */
export function resolveBase(value: string): { name: string; base: ScalableEfficientNet } {
  const named = namedNetworks().find((b) => b.name === value);
  if (named) {
    if (!scalable(named.architecture)) {
      const what =
        named.architecture.family === 'efficientnet'
          ? 'a published network scaled by its table (width, depth)'
          : `a fixed ${named.architecture.family} network`;
      throw new RequestError(
        '--base',
        `${JSON.stringify(value)} is ${what} and cannot be compound-scaled; ${BASES_THAT_SCALE()}`,
      );
    }
    return { name: value, base: asBaseFlag(() => scalingBase(named.architecture, 'base')) };
  }
  if (existsSync(value)) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(value, 'utf8'));
    } catch (err) {
      throw new RequestError('--base', `cannot read ${value} as JSON (${(err as Error).message})`);
    }
    return { name: basename(value).replace(/\.json$/i, ''), base: asBaseFlag(() => scalingBase(json, 'base')) };
  }
  throw new RequestError(
    '--base',
    `unknown base ${JSON.stringify(value)}: neither a network name nor a genotype file; ${BASES_THAT_SCALE()}`,
  );
}

function asBaseFlag(check: () => ScalableEfficientNet): ScalableEfficientNet {
  let base!: ScalableEfficientNet;
  validateAsFlags(() => (base = check()));
  return base;
}

function requireNumber(field: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n)) throw new RequestError(field, `must be a number, got ${JSON.stringify(value)}`);
  return n;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 32) || 'base'
  );
}

export function defaultStudyId(baseName: string, seed: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `scaling-${slug(baseName)}-s${seed}-${stamp}`.toLowerCase();
}

export function scalingRequestFromFlags(
  flags: Flags,
  { checkData = true }: TrainingRequestOptions = {},
): ScalingStudyRequest {
  const get = (name: string) => stringFlag(flags, name);
  requireBackendFlag(flags);
  const { name, base } = resolveBase(get('base') ?? SCALING_DEFAULTS.base);
  const phiText = get('phi-max');
  const numbers = {
    gridStep: requireNumber('--grid-step', get('grid-step'), SCALING_DEFAULTS.gridStep),
    tolerance: requireNumber('--tolerance', get('tolerance'), SCALING_DEFAULTS.tolerance),
    phiMax: requireNumber('--phi-max', phiText, SCALING_DEFAULTS.phiMax),
  };
  const protocol = withBudget(flags, protocolFromFlags(flags, { checkData }));
  const dataset = datasetShape(protocol);
  const request: ScalingStudyRequest = {
    studyId: requireSearchId('--id', get('id') ?? defaultStudyId(name, protocol.seed)),
    baseName: name,
    base,
    ...numbers,
    parallel: requirePositiveInteger('--parallel', get('parallel') ?? 1),
    protocol,
    input: { ...dataset.input },
    classes: dataset.classes,
    trainerTaskQueue: get('task-queue') ?? DEFAULT_TRAINER_TASK_QUEUE,
    ...repeatsFromFlags(flags),
  };
  validateAsFlags(() => validateScalingRequest(request));
  return request;
}

/** --repeats and --grid-repeats as request fields, only those given (a study without them trains once). */
export function repeatsFromFlags(flags: Flags): Pick<ScalingStudyRequest, 'repeats' | 'gridRepeats'> {
  const given: Pick<ScalingStudyRequest, 'repeats' | 'gridRepeats'> = {};
  const repeats = stringFlag(flags, 'repeats');
  const gridRepeats = stringFlag(flags, 'grid-repeats');
  if (repeats !== undefined) given.repeats = requirePositiveInteger('--repeats', repeats);
  if (gridRepeats !== undefined) given.gridRepeats = requirePositiveInteger('--grid-repeats', gridRepeats);
  return given;
}

export const BUDGETS = ['fixed', 'plateau'] as const;
const PLATEAU_FLAGS = ['max-epochs', 'patience', 'min-delta'] as const;

/**
 * `--budget fixed` (default): every network trains `--epochs`. `--budget plateau`: every network
 * trains until its validation accuracy levels off (contracts/plateau.ts: `--patience`,
 * `--min-delta`), at most `--max-epochs`, which becomes the protocol's epochs.
 */
export function withBudget(flags: Flags, protocol: TrainingProtocol): TrainingProtocol {
  const get = (name: string) => stringFlag(flags, name);
  const budget = requireOneOf('--budget', get('budget') ?? 'fixed', BUDGETS);
  if (budget === 'fixed') {
    const stray = PLATEAU_FLAGS.find((name) => get(name) !== undefined);
    if (stray) throw new RequestError(`--${stray}`, 'applies with --budget plateau only');
    return protocol;
  }
  if (get('epochs') !== undefined)
    throw new RequestError('--epochs', 'with --budget plateau the epoch cap is --max-epochs; drop --epochs');
  const plateau: TrainingProtocol = {
    ...protocol,
    epochs: requirePositiveInteger('--max-epochs', get('max-epochs') ?? DEFAULT_PLATEAU_MAX_EPOCHS),
    plateau: {
      patience: requirePositiveInteger('--patience', get('patience') ?? DEFAULT_PLATEAU.patience),
      minDelta: requireNonNegativeNumber('--min-delta', get('min-delta') ?? DEFAULT_PLATEAU.minDelta),
    },
  };
  validateAsFlags(() => checkProtocol(plateau));
  return plateau;
}
