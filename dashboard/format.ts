/** How the dashboard writes numbers and times. */
import { compact as formatCompact, latencyText, percent as formatPercent } from '../numeric/number-text.ts';

/** 0.8731 -> "87.31%"; null -> "" (the CLI's format, blank where a table cell has no value). */
export function percent(value: number | null): string {
  return formatPercent(value) ?? '';
}

/** 1234567 -> "1.23M". */
export function compact(value: number | null): string {
  return formatCompact(value) ?? '';
}

export function seconds(value: number | null): string {
  if (value === null) return '';
  return value < 100 ? `${value.toFixed(1)} s` : `${Math.round(value)} s`;
}

export function timestamp(value: Date | string | null): string {
  if (value === null) return '';
  const date = value instanceof Date ? value : new Date(value);
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** Milliseconds with 3 significant digits: 0.412 ms, 3.05 ms, 27.1 ms, 412 ms; null -> "". */
export function milliseconds(value: number | null): string {
  if (value === null) return '';
  return `${latencyText(value)} ms`;
}

/** The command that writes a trial's kept weights out as ONNX and tfjs. */
export function exportCommand(trialId: string): string {
  return `npx nas export ${trialId} --out model/`;
}
