/**
 * The committed form of a reference set (`nas reference export`, read back by `nas reference
 * build --import`): JSON, a header (space, seed, protocols with their hashes, the command that
 * rebuilds it, CPU time) and one line per architecture with its genotype, hash, params, FLOPs
 * and each training's seed, protocol hash, accuracies, latency and CPU time.
 */
import { architectureHash, validateArchitecture } from '../cells/architecture.ts';
import type { NasnetArchitecture } from '../contracts/genotypes.ts';
import type { MeasuredTraining } from '../contracts/measured-training.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { REFERENCE_TRAININGS, type ReferenceTraining } from './reference.ts';

export const REFERENCE_FILE_FORMAT = 'nas-reference-set/1';

export interface ReferenceFileTraining extends MeasuredTraining {
  training: ReferenceTraining;
}

export interface ReferenceFileArchitecture {
  /** Its place in the seeded draw (search/reference.ts referenceArchitectures). */
  index: number;
  hash: string;
  params: number;
  flops: number;
  genotype: NasnetArchitecture;
  trainings: ReferenceFileTraining[];
}

export interface ReferenceFileProtocol {
  hash: string;
  steps: number;
  protocol: TrainingProtocol;
}

export interface ReferenceFile {
  format: typeof REFERENCE_FILE_FORMAT;
  /** The build that measured it (a workflow id; a build of the same request elsewhere has the same one). */
  referenceId: string;
  space: string;
  seed: number;
  /** What the build that wrote it planned; `architectures` holds those measured so far. */
  planned: { architectures: number; secondSeed: number };
  protocols: Record<'reference' | 'cheap', ReferenceFileProtocol>;
  /** The commands that rebuild it (trainings already in this file or in the database are reused). */
  rebuild: string[];
  cpu: { seconds: number; trainings: number; unmeasured: number };
  architectures: ReferenceFileArchitecture[];
}

/** Pretty header, one line per architecture: a diff of a grown file shows the new architectures. */
export function renderReferenceFile(file: ReferenceFile): string {
  const { architectures, ...header } = file;
  const head = JSON.stringify(header, null, 2).replace(/\n}$/, '');
  const rows = architectures.map((a) => `    ${JSON.stringify(a)}`).join(',\n');
  return `${head},\n  "architectures": [\n${rows}\n  ]\n}\n`;
}

export class ReferenceFileError extends Error {
  override name = 'ReferenceFileError';
  readonly path: string;
  readonly problem: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
    this.problem = problem;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(
  value: Record<string, unknown>,
  path: string,
  key: string,
  ok: (v: unknown) => boolean,
  what: string,
): T {
  const v = value[key];
  if (!ok(v)) throw new ReferenceFileError(`${path}.${key}`, `must be ${what}, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v as T;
}

const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const isText = (v: unknown) => typeof v === 'string' && v.length > 0;
const isFraction = (v: unknown) => v === null || (typeof v === 'number' && v >= 0 && v <= 1);
const isSecondsOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
const isTextOrNull = (v: unknown) => v === null || typeof v === 'string';

/** Reads a reference file; an error names the path of the field that is wrong. */
export function parseReferenceFile(text: string): ReferenceFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ReferenceFileError('file', `is not JSON (${(err as Error).message})`);
  }
  if (!isObject(value)) throw new ReferenceFileError('file', 'must be a JSON object');
  field(value, 'file', 'format', (v) => v === REFERENCE_FILE_FORMAT, JSON.stringify(REFERENCE_FILE_FORMAT));
  field(value, 'file', 'referenceId', isText, 'a build id');
  field(value, 'file', 'space', isText, 'a space id');
  field(value, 'file', 'seed', isCount, 'a seed');
  const protocols = field<Record<string, unknown>>(value, 'file', 'protocols', isObject, 'an object');
  for (const name of ['reference', 'cheap']) {
    const entry = field<Record<string, unknown>>(protocols, 'protocols', name, isObject, 'a protocol entry');
    field(entry, `protocols.${name}`, 'hash', isText, 'a protocol hash');
    field(entry, `protocols.${name}`, 'protocol', isObject, 'a training protocol');
  }
  const hashes = new Set([
    (protocols.reference as ReferenceFileProtocol).hash,
    (protocols.cheap as ReferenceFileProtocol).hash,
  ]);
  const architectures = field<unknown[]>(value, 'file', 'architectures', Array.isArray, 'a list');
  architectures.forEach((a, i) => checkArchitecture(a, `architectures[${i}]`, hashes));
  return value as unknown as ReferenceFile;
}

function checkArchitecture(value: unknown, path: string, protocolHashes: Set<string>): void {
  if (!isObject(value)) throw new ReferenceFileError(path, 'must be an object');
  field(value, path, 'index', isCount, 'an index');
  field(value, path, 'params', isCount, 'a parameter count');
  field(value, path, 'flops', isCount, 'a FLOP count');
  const hash = field<string>(value, path, 'hash', isText, 'an architecture hash');
  try {
    validateArchitecture(value.genotype);
  } catch (err) {
    throw new ReferenceFileError(`${path}.genotype`, (err as Error).message);
  }
  const actual = architectureHash(value.genotype as NasnetArchitecture);
  if (actual !== hash) throw new ReferenceFileError(`${path}.hash`, `is ${hash}, but the genotype hashes to ${actual}`);
  const trainings = field<unknown[]>(value, path, 'trainings', Array.isArray, 'a list');
  trainings.forEach((t, k) => {
    const at = `${path}.trainings[${k}]`;
    if (!isObject(t)) throw new ReferenceFileError(at, 'must be an object');
    field(
      t,
      at,
      'training',
      (v) => REFERENCE_TRAININGS.includes(v as ReferenceTraining),
      `one of ${REFERENCE_TRAININGS.join(', ')}`,
    );
    field(t, at, 'seed', isCount, 'a training seed');
    field(
      t,
      at,
      'protocolHash',
      (v) => protocolHashes.has(v as string),
      `one of the protocols' hashes (${[...protocolHashes].join(', ')})`,
    );
    field(t, at, 'status', (v) => v === 'succeeded' || v === 'diverged', 'succeeded or diverged');
    field(t, at, 'valAccuracy', isFraction, 'an accuracy in [0, 1] or null');
    field(t, at, 'testAccuracy', isFraction, 'an accuracy in [0, 1] or null');
    for (const key of ['cpuSeconds', 'trainSeconds', 'latencyMs'])
      field(t, at, key, isSecondsOrNull, 'a non-negative number or null');
    for (const key of ['latencyDevice', 'backend']) field(t, at, key, isTextOrNull, 'text or null');
  });
}
