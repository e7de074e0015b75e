import { RequestError } from '../contracts/request-error.ts';

/** Request fields a rerun may change: how wide it runs and where its trainings go, not what it finds. */
const FREE_FIELDS = new Set(['parallel', 'trainerTaskQueue', 'trialsPerRun']);
const SHOWN_FIELDS = 5;

function leaves(value: unknown, path: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) leaves(child, path ? `${path}.${key}` : key, out);
  } else if (value !== undefined) {
    out.set(path, JSON.stringify(value));
  }
  return out;
}

function short(text: string | undefined): string {
  if (text === undefined) return 'unset';
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The request fields (dotted paths) in which `given` differs from `stored`, free fields aside. */
export function differingFields(stored: unknown, given: unknown, alsoFree: string[] = []): string[] {
  const a = leaves(stored, '', new Map());
  const b = leaves(given, '', new Map());
  const free = (path: string) => FREE_FIELDS.has(path) || alsoFree.includes(path);
  return [...new Set([...a.keys(), ...b.keys()])].filter((path) => !free(path) && a.get(path) !== b.get(path)).sort();
}

/**
 * A run id names one request for good: a start with an existing id and another request is refused,
 * naming the fields that differ, so results of two requests never mix under one id.
 */
export function requireSameRequest(
  kind: string,
  id: string,
  stored: unknown,
  given: unknown,
  alsoFree: string[] = [],
): void {
  const fields = differingFields(stored, given, alsoFree);
  if (fields.length === 0) return;
  const a = leaves(stored, '', new Map());
  const b = leaves(given, '', new Map());
  const listed = fields.slice(0, SHOWN_FIELDS).map((f) => `${f} (${short(a.get(f))}, now ${short(b.get(f))})`);
  const more = fields.length > SHOWN_FIELDS ? ` and ${fields.length - SHOWN_FIELDS} more` : '';
  throw new RequestError(
    '--id',
    `${kind} ${id} exists with another request: ${listed.join(', ')}${more}; choose another --id, or \`nas search resume ${id}\` to continue it as it was`,
  );
}
