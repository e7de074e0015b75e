/** How numbers read in the CLI's tables and the dashboard's pages: 87.31%, 1.23M, 2m05s, 3.05 (ms). */

export function percent(value: number | null): string | null {
  return value === null ? null : `${(value * 100).toFixed(2)}%`;
}

/**
 * 0.9, 0.8256, 0.9448 -> "90.00% [82.6, 94.5]". The interval's ends rather than "± half-width":
 * a binomial (Wilson) interval is not centred on the accuracy (90/100 reaches 7.4 points below
 * and 4.5 above), so a single ± would misplace both ends, most of all near 100%.
 */
export function percentInterval(value: number | null, low: number | null, high: number | null): string | null {
  if (value === null) return null;
  const shown = percent(value)!;
  return low === null || high === null ? shown : `${shown} [${(low * 100).toFixed(1)}, ${(high * 100).toFixed(1)}]`;
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

/** Milliseconds with 3 significant digits (0.412, 3.05, 27.1, 412). */
export function latencyText(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : Number(ms.toPrecision(3)).toString();
}
