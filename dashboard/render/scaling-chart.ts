/** A scaling study's chart: accuracy against FLOPs, one line per scaling method, the grid search as a cloud. */
import { PALETTE, type ChartPoint, type ChartSeries, type ChartSpec } from './chart.ts';

export interface ScalingChartPoint {
  method: 'compound' | 'depth' | 'width' | 'resolution' | 'grid';
  phi: number;
  flops: number;
  /** In [0, 1]; null: not measured (yet). */
  accuracy: number | null;
  /** Ends of the accuracy's interval (a mean over repeats: its 95% interval); absent: none. */
  low?: number | null;
  high?: number | null;
  trialId: string;
}

export interface ScalingChartInput {
  title: string;
  subtitle?: string;
  /** e.g. "Test accuracy (%) on 10000 images". */
  yLabel: string;
  points: ScalingChartPoint[];
  /** The chosen coefficients, named in the compound line's legend entry. */
  coefficients?: { alpha: number; beta: number; gamma: number } | null;
}

const METHOD_COLORS = {
  compound: PALETTE[0],
  depth: PALETTE[1],
  width: PALETTE[2],
  resolution: PALETTE[3],
  grid: PALETTE[6],
};

export function scalingChartSpec(input: ScalingChartInput): ChartSpec {
  const toPoint = (p: ScalingChartPoint, label?: string): ChartPoint | null =>
    p.accuracy === null
      ? null
      : {
          x: p.flops / 1e6,
          y: p.accuracy * 100,
          label,
          href: `/trials/${encodeURIComponent(p.trialId)}`,
          tip: `${p.method} φ=${p.phi}: ${(p.accuracy * 100).toFixed(2)}%${p.low != null && p.high != null ? ` [${(p.low * 100).toFixed(1)}, ${(p.high * 100).toFixed(1)}]` : ''}`,
          ...(p.low != null && p.high != null ? { yLow: p.low * 100, yHigh: p.high * 100 } : {}),
        };
  const of = (method: ScalingChartPoint['method']) =>
    input.points.filter((p) => p.method === method).sort((a, b) => a.phi - b.phi || a.flops - b.flops);
  const line = (method: 'compound' | 'depth' | 'width' | 'resolution', name: string): ChartSeries => ({
    name,
    kind: 'line',
    color: METHOD_COLORS[method],
    // The base point (φ=0) is shared by every method: labelled once, on the compound line.
    points: of(method)
      .map((p) => toPoint(p, p.phi === 0 && method !== 'compound' ? undefined : `φ=${p.phi}`))
      .filter((p) => p !== null),
  });
  const c = input.coefficients;
  return {
    title: input.title,
    subtitle: input.subtitle,
    xLabel: 'FLOPs (millions of multiply-adds per image, log scale)',
    yLabel: input.yLabel,
    xScale: 'log',
    width: 900,
    height: 520,
    series: [
      line('compound', c ? `compound (α=${c.alpha}, β=${c.beta}, γ=${c.gamma})` : 'compound'),
      line('depth', 'depth only'),
      line('width', 'width only'),
      line('resolution', 'resolution only'),
      {
        name: 'grid search at φ=1',
        kind: 'scatter',
        color: METHOD_COLORS.grid,
        points: of('grid')
          .map((p) => toPoint(p))
          .filter((p) => p !== null),
      },
    ],
  };
}
