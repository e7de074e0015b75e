/** How the dashboard writes numbers and times. */

/** 0.8731 -> "87.31%"; null -> "". */
export function percent(value: number | null): string {
  return value === null ? '' : `${(value * 100).toFixed(2)}%`;
}

/** 1234567 -> "1.23M". */
export function compact(value: number | null): string {
  if (value === null) return '';
  for (const [scale, unit] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) if (Math.abs(value) >= scale) return `${(value / scale).toFixed(2)}${unit}`;
  return String(value);
}

export function seconds(value: number | null): string {
  if (value === null) return '';
  return value < 100 ? `${value.toFixed(1)} s` : `${Math.round(value)} s`;
}

export function timestamp(value: Date | string | null): string {
  if (value === null) return '';
  const date = value instanceof Date ? value : new Date(value);
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
