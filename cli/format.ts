/** Renders rows as an aligned table, JSON, CSV or Markdown. */
export const FORMATS = ['table', 'json', 'csv', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null;
  align?: 'left' | 'right';
}

export function renderRows<T>(rows: T[], columns: Column<T>[], format: Format, json: (row: T) => unknown = (r) => r): string {
  if (format === 'json') return JSON.stringify(rows.map(json), null, 2);
  const cells = rows.map((row) => columns.map((c) => cellText(c.value(row))));
  const headers = columns.map((c) => c.header);
  if (format === 'csv') return [headers, ...cells].map((line) => line.map(csvCell).join(',')).join('\n');
  if (format === 'markdown') {
    const rule = columns.map((c) => (c.align === 'right' ? '---:' : '---'));
    return [headers, rule, ...cells].map((line) => `| ${line.map((t) => t.replace(/\|/g, '\\|')).join(' | ')} |`).join('\n');
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

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function percent(value: number | null): string | null {
  return value === null ? null : `${(value * 100).toFixed(2)}%`;
}

/** 1234567 -> "1.23M". */
export function compact(value: number | null): string | null {
  if (value === null) return null;
  const units: Array<[number, string]> = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, unit] of units) if (Math.abs(value) >= scale) return `${(value / scale).toFixed(2)}${unit}`;
  return String(value);
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
