/** A self-contained SVG line chart: titled axes with units, ticks, grid lines, one legend entry per series. */

export interface PlotPoint {
  x: number;
  y: number;
  /** Short text drawn next to the marker (e.g. "φ=2"). */
  label?: string;
}

export interface PlotSeries {
  name: string;
  points: PlotPoint[];
  color: string;
  /** Markers only, no connecting line (e.g. a cloud of grid-search points). */
  scatter?: boolean;
  dashed?: boolean;
}

export interface PlotSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  series: PlotSeries[];
  width?: number;
  height?: number;
}

export const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#7f7f7f'];

const MARGIN = { left: 72, right: 260, top: 64, bottom: 60 };

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round-number ticks covering [min, max] on a linear axis. */
export function linearTicks(min: number, max: number, target = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** 1-2-5 style ticks on a log axis, thinned to at most about 8. */
export function logTicks(min: number, max: number): number[] {
  for (const mantissas of [[1, 1.5, 2, 3, 4, 5, 6, 8], [1, 2, 3, 5], [1, 2, 5], [1]]) {
    const ticks: number[] = [];
    for (let e = Math.floor(Math.log10(min)) - 1; e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of mantissas) {
        const t = Number((m * 10 ** e).toPrecision(12));
        if (t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9)) ticks.push(t);
      }
    }
    if (ticks.length <= 8) return ticks.length >= 2 ? ticks : [min, max];
  }
  return [min, max];
}

function tickText(value: number): string {
  return Number(value.toPrecision(4)).toString();
}

export function svgLinePlot(spec: PlotSpec): string {
  const width = spec.width ?? 860;
  const height = spec.height ?? 520;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const all = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.xLog || p.x > 0));

  let [xMin, xMax] = all.length ? [Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x))] : [1, 10];
  let [yMin, yMax] = all.length ? [Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y))] : [0, 1];
  if (spec.xLog) {
    [xMin, xMax] = xMin === xMax ? [xMin / 1.5, xMax * 1.5] : [xMin / 1.08, xMax * 1.08];
  } else {
    const pad = (xMax - xMin || Math.abs(xMax) || 1) * 0.05;
    [xMin, xMax] = [xMin - pad, xMax + pad];
  }
  const yPad = (yMax - yMin || Math.abs(yMax) * 0.05 || 1) * 0.08;
  [yMin, yMax] = [yMin - yPad, yMax + yPad];

  const fx = spec.xLog ? (x: number) => Math.log(x) : (x: number) => x;
  const sx = (x: number) => MARGIN.left + ((fx(x) - fx(xMin)) / (fx(xMax) - fx(xMin))) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  const n = (v: number) => v.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${escapeXml(spec.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="${width / 2}" y="44" text-anchor="middle" fill="#444">${escapeXml(spec.subtitle)}</text>`);

  const xTicks = (spec.xLog ? logTicks(xMin, xMax) : linearTicks(xMin, xMax)).filter((t) => t >= xMin && t <= xMax);
  const yTicks = linearTicks(yMin, yMax).filter((t) => t >= yMin && t <= yMax);
  out.push('<g class="grid" stroke="#e5e5e5" stroke-width="1">');
  for (const t of xTicks) out.push(`<line x1="${n(sx(t))}" y1="${MARGIN.top}" x2="${n(sx(t))}" y2="${MARGIN.top + plotH}"/>`);
  for (const t of yTicks) out.push(`<line x1="${MARGIN.left}" y1="${n(sy(t))}" x2="${MARGIN.left + plotW}" y2="${n(sy(t))}"/>`);
  out.push('</g>');

  out.push(`<g class="axes" stroke="#000" stroke-width="1.2">`);
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}"/>`);
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}"/>`);
  out.push('</g>');
  out.push('<g class="x-ticks" text-anchor="middle">');
  for (const t of xTicks) {
    out.push(`<line x1="${n(sx(t))}" y1="${MARGIN.top + plotH}" x2="${n(sx(t))}" y2="${MARGIN.top + plotH + 5}" stroke="#000"/>`);
    out.push(`<text x="${n(sx(t))}" y="${MARGIN.top + plotH + 19}">${tickText(t)}</text>`);
  }
  out.push('</g>');
  out.push('<g class="y-ticks" text-anchor="end">');
  for (const t of yTicks) {
    out.push(`<line x1="${MARGIN.left - 5}" y1="${n(sy(t))}" x2="${MARGIN.left}" y2="${n(sy(t))}" stroke="#000"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${n(sy(t) + 4)}">${tickText(t)}</text>`);
  }
  out.push('</g>');
  out.push(`<text class="x-label" x="${MARGIN.left + plotW / 2}" y="${height - 16}" text-anchor="middle" font-size="13">${escapeXml(spec.xLabel)}</text>`);
  out.push(
    `<text class="y-label" x="${18}" y="${MARGIN.top + plotH / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 18 ${MARGIN.top + plotH / 2})">${escapeXml(spec.yLabel)}</text>`,
  );

  for (const series of spec.series) {
    const points = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.xLog || p.x > 0));
    out.push(`<g class="series" data-name="${escapeXml(series.name)}">`);
    if (!series.scatter && points.length > 1) {
      const d = [...points].sort((a, b) => a.x - b.x).map((p, i) => `${i ? 'L' : 'M'}${n(sx(p.x))},${n(sy(p.y))}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    for (const p of points) {
      out.push(`<circle cx="${n(sx(p.x))}" cy="${n(sy(p.y))}" r="${series.scatter ? 3 : 4}" fill="${series.color}"${series.scatter ? ' fill-opacity="0.55"' : ''}/>`);
      if (p.label) out.push(`<text x="${n(sx(p.x) + 6)}" y="${n(sy(p.y) - 6)}" font-size="10" fill="${series.color}">${escapeXml(p.label)}</text>`);
    }
    out.push('</g>');
  }

  const legendX = MARGIN.left + plotW + 16;
  out.push(`<g class="legend">`);
  out.push(`<text x="${legendX}" y="${MARGIN.top + 4}" font-weight="bold">Legend</text>`);
  spec.series.forEach((series, i) => {
    const y = MARGIN.top + 24 + i * 22;
    if (series.scatter) out.push(`<circle cx="${legendX + 12}" cy="${y - 4}" r="3" fill="${series.color}" fill-opacity="0.55"/>`);
    else {
      out.push(`<line x1="${legendX}" y1="${y - 4}" x2="${legendX + 24}" y2="${y - 4}" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      out.push(`<circle cx="${legendX + 12}" cy="${y - 4}" r="4" fill="${series.color}"/>`);
    }
    out.push(`<text x="${legendX + 32}" y="${y}">${escapeXml(series.name)}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}
