/**
 * Checks of request fields and command-line flags. Every failure is a RequestError naming the
 * field (`protocol.epochs`, `--trials`); the `require*` checks also take a flag's text (`'8'`).
 * asRequestError turns what the parts a validator calls throw (strategy config, decision space,
 * fidelity ladder, reward, genotypes) into one.
 */
import { GenotypeError } from './genotypes.ts';
import { RequestError, shown } from './request-error.ts';

/** Largest value of a Postgres integer (int4) column: trial indices, seeds, requested trials, epochs. */
export const INT4_MAX = 2147483647;
/** Temporal fails payloads above 2 MB and warns above 256 KB; requests stay well below. */
export const MAX_REQUEST_BYTES = 512 * 1024;

export function integerIn(field: string, value: unknown, min: number, max: number, why = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === INT4_MAX ? `${min}..${max} (the database column is int4)` : `${min}..${max}`;
    throw new RequestError(field, `must be an integer in ${range}${why}, got ${shown(value)}`);
  }
  return value;
}

export function positiveNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RequestError(field, `must be a positive number, got ${shown(value)}`);
  }
  return value;
}

export function oneOf<T>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    throw new RequestError(field, `must be one of ${allowed.join(', ')}, got ${shown(value)}`);
  return value as T;
}

export function nonEmptyText(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new RequestError(field, `must be a non-empty string, got ${shown(value)}`);
  return value;
}

/** A JSON payload no larger than `limit` bytes (counted as characters: request JSON is ASCII but for names). */
export function payloadSize(field: string, value: unknown, limit = MAX_REQUEST_BYTES): void {
  const bytes = (JSON.stringify(value) ?? '').length;
  if (bytes > limit) {
    throw new RequestError(
      field,
      `is ${(bytes / 1024).toFixed(0)} KB as JSON, more than the ${limit / 1024} KB a workflow request may carry (Temporal payload limit); make it smaller`,
    );
  }
}

/**
 * Runs `check` and turns what it throws into a RequestError: a GenotypeError keeps its path, an
 * error whose message reads `field: problem` keeps that field; `prefix` is put before paths that
 * lack it, `fallback` names the field of anything else.
 */
export function asRequestError(check: () => void, fallback: string, prefix = ''): void {
  try {
    check();
  } catch (err) {
    if (err instanceof RequestError) throw err;
    const prefixed = (path: string) => (prefix && !path.startsWith(prefix) ? `${prefix}${path}` : path);
    if (err instanceof GenotypeError) throw new RequestError(prefixed(err.path), err.problem);
    const message = err instanceof Error ? err.message : String(err);
    const named = /^([A-Za-z][\w.[\]]*)(?: \([^)]*\))?: (.+)$/s.exec(message);
    if (named) throw new RequestError(prefixed(named[1]), named[2]);
    throw new RequestError(fallback, message);
  }
}

export function requirePositiveInteger(field: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new RequestError(field, `must be a positive integer, got ${shown(value)}`);
  }
  return n;
}

export function requireNonNegativeInteger(field: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new RequestError(field, `must be a non-negative integer, got ${shown(value)}`);
  }
  return n;
}

export function requirePositiveNumber(field: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new RequestError(field, `must be a positive number, got ${shown(value)}`);
  }
  return n;
}

export function requireNonNegativeNumber(field: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new RequestError(field, `must be a non-negative number, got ${shown(value)}`);
  }
  return n;
}

export function requireOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new RequestError(field, `must be one of ${allowed.join(', ')}, got ${shown(value)}`);
  }
  return value as T;
}

const SEARCH_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function requireSearchId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !SEARCH_ID.test(value)) {
    throw new RequestError(
      field,
      `must be 1-63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit, got ${shown(value)}`,
    );
  }
  return value;
}
