/** Renders rows as an aligned table, JSON, CSV or Markdown. */
import { requireOneOf } from '../contracts/field-checks.ts';
import { stringFlag, type Flags } from './args.ts';

export const FORMATS = ['table', 'json', 'csv', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

/** The output format of `--format` (default table), or JSON with `--json` where a command keeps that spelling. */
export function formatOf(flags: Flags, allowed: readonly Format[] = FORMATS): Format {
  if (flags.json === true) return requireOneOf('--json', 'json', allowed);
  return requireOneOf('--format', stringFlag(flags, 'format') ?? 'table', allowed);
}

/** A column of the table and Markdown forms; JSON and CSV render the records themselves. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null;
  align?: 'left' | 'right';
}

export function renderRows<T>(
  rows: T[],
  columns: Column<T>[],
  format: Format,
  json: (row: T) => unknown = (r) => r,
): string {
  if (format === 'json') return JSON.stringify(rows.map(json), null, 2);
  if (format === 'csv') return csvOf(rows.map(json));
  const cells = rows.map((row) => columns.map((c) => cellText(c.value(row))));
  const headers = columns.map((c) => c.header);
  if (format === 'markdown') {
    const rule = columns.map((c) => (c.align === 'right' ? '---:' : '---'));
    return [headers, rule, ...cells]
      .map((line) => `| ${line.map((t) => t.replace(/\|/g, '\\|')).join(' | ')} |`)
      .join('\n');
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((line) => line[i].length)));
  const pad = (text: string, i: number) =>
    columns[i].align === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i]);
  return [headers, ...cells].map((line) => line.map(pad).join('  ').trimEnd()).join('\n');
}

function cellText(value: string | number | null): string {
  if (value === null) return '-';
  return String(value);
}

/**
 * CSV is the JSON records flat: one line per record, one column per JSON field (nested fields as
 * dotted paths, lists as JSON), raw values (fractions, ISO times, exact counts), empty for null.
 */
export function csvOf(records: unknown[]): string {
  const flat = records.map((r) => flatFields(r));
  const named = [...new Set(flat.flatMap((r) => Object.keys(r)))];
  // A field that is null in one record and an object in another is its dotted fields (empty there).
  const fields = named.filter((f) => !named.some((other) => other.startsWith(`${f}.`)));
  return [fields, ...flat.map((r) => fields.map((f) => rawText(r[f])))]
    .map((line) => line.map(csvCell).join(','))
    .join('\n');
}

function flatFields(value: unknown, path = '', into: Record<string, unknown> = {}): Record<string, unknown> {
  if (value === undefined) return into; // absent, as in JSON
  const nested = typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
  if (!nested) into[path] = value;
  else for (const [key, inner] of Object.entries(value)) flatFields(inner, path ? `${path}.${key}` : key, into);
  return into;
}

function rawText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
