/**
 * Charts as SVG strings, drawn by ECharts' server-side renderer (no DOM): the dashboard, the
 * scaling report's SVG file and anything else that draws a chart go through chartSvg.
 * Every data point is one mark carrying ecmeta_series_index / ecmeta_data_index attributes.
 */
import * as echarts from 'echarts';

export interface ChartPoint {
  x: number;
  y: number;
  /** Short text drawn next to the marker (e.g. "φ=2" or a baseline's name). */
  label?: string;
  /** Where the marker leads in the dashboard (a trial page), with its hover text. */
  href?: string;
  tip?: string;
  /** The ends of the point's interval (e.g. a 95% confidence interval of a mean), drawn as an error bar. */
  yLow?: number;
  yHigh?: number;
}

export interface ChartSeries {
  name: string;
  /** 'step': a line that holds its value until the next point (best so far). */
  kind: 'line' | 'scatter' | 'step';
  points: ChartPoint[];
  color?: string;
  dashed?: boolean;
  /** Marker shape; default a circle. */
  symbol?: 'circle' | 'diamond' | 'triangle' | 'rect';
  symbolSize?: number;
  /** Without markers (a front or a curve drawn over points of another series). */
  noMarkers?: boolean;
}

export interface ChartSpec {
  title?: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** 'time': x is milliseconds since the epoch. */
  xScale?: 'linear' | 'log' | 'time';
  /** Ticks on whole numbers only (epochs, trial indices). */
  xIntegers?: boolean;
  series: ChartSeries[];
  width?: number;
  height?: number;
}

export const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#7f7f7f', '#17becf'];

function drawable(spec: ChartSpec, p: ChartPoint): boolean {
  return Number.isFinite(p.x) && Number.isFinite(p.y) && (spec.xScale !== 'log' || p.x > 0);
}

function seriesOption(spec: ChartSpec, series: ChartSeries, index: number): echarts.SeriesOption {
  const color = series.color ?? PALETTE[index % PALETTE.length];
  const data = series.points
    .filter((p) => drawable(spec, p))
    .map((p) => ({ value: [p.x, p.y], name: p.label ?? '', label: { show: Boolean(p.label) } }));
  const label = { position: 'right' as const, formatter: '{b}', fontSize: 10, color };
  if (series.kind === 'scatter') {
    return {
      type: 'scatter',
      name: series.name,
      data,
      large: false,
      symbol: series.symbol ?? 'circle',
      symbolSize: series.symbolSize ?? 7,
      itemStyle: { color, opacity: 0.75 },
      label,
    };
  }
  return {
    type: 'line',
    name: series.name,
    data,
    step: series.kind === 'step' ? 'end' : undefined,
    showSymbol: !series.noMarkers,
    showAllSymbol: true,
    symbol: series.symbol ?? 'circle',
    symbolSize: series.symbolSize ?? 6,
    itemStyle: { color },
    lineStyle: { color, width: 2, type: series.dashed ? 'dashed' : 'solid' },
    label,
  };
}

/**
 * A series' error bars: a vertical line from yLow to yHigh with short caps at each point that has
 * both. Drawn after every series, silent, so marker indices (chartLinks) stay those of the series.
 */
function errorBarOption(spec: ChartSpec, series: ChartSeries, index: number): echarts.SeriesOption | null {
  const bars = series.points
    .filter((p) => drawable(spec, p) && Number.isFinite(p.yLow) && Number.isFinite(p.yHigh))
    .map((p) => [p.x, p.yLow!, p.yHigh!]);
  if (bars.length === 0) return null;
  const style = { stroke: series.color ?? PALETTE[index % PALETTE.length], lineWidth: 1.2 };
  const cap = 4;
  return {
    type: 'custom',
    name: `${series.name} (interval)`,
    silent: true,
    data: bars,
    encode: { x: 0, y: [1, 2] },
    renderItem: (_params, api) => {
      const low = api.coord([api.value(0), api.value(1)]);
      const high = api.coord([api.value(0), api.value(2)]);
      const segment = (x1: number, y1: number, x2: number, y2: number) => ({
        type: 'line' as const,
        shape: { x1, y1, x2, y2 },
        style,
      });
      return {
        type: 'group',
        children: [
          segment(low[0], low[1], high[0], high[1]),
          segment(low[0] - cap, low[1], low[0] + cap, low[1]),
          segment(high[0] - cap, high[1], high[0] + cap, high[1]),
        ],
      };
    },
  };
}

function axisType(scale: ChartSpec['xScale']): 'value' | 'log' | 'time' {
  return scale === 'log' ? 'log' : scale === 'time' ? 'time' : 'value';
}

/** Per series, the href and hover text of each marker in the order chartSvg draws them (for the dashboard's chart-points.js). */
export function chartLinks(spec: ChartSpec): Array<Array<[string, string]>> {
  return spec.series.map((s) =>
    s.noMarkers
      ? []
      : s.points.filter((p) => drawable(spec, p)).map((p): [string, string] => [p.href ?? '', p.tip ?? p.label ?? '']),
  );
}

/**
 * ECharts names the style classes and clip paths of its SVG (`zr3-cls-17`, `zr3-c0`) after
 * counters that run across every chart the process draws; named `${prefix}-0`, `${prefix}-1`, ...
 * in order of appearance instead, the same chart is the same text (a live page can tell it did not
 * change) and two charts on a page keep apart.
 */
function renamedIds(svg: string, prefix: string): string {
  const names = new Map<string, string>();
  return svg.replace(/zr\d+-[a-z]+-?\d+/g, (name) => {
    if (!names.has(name)) names.set(name, `${prefix}-${names.size}`);
    return names.get(name)!;
  });
}

/** The SVG of one chart: titled axes, a legend entry per series, one marker per drawable point, error bars where points have an interval. */
export function chartSvg(spec: ChartSpec, idPrefix = 'chart'): string {
  const width = spec.width ?? 860;
  const height = spec.height ?? 480;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#fff',
      title: spec.title
        ? { text: spec.title, subtext: spec.subtitle, left: 'center', textStyle: { fontSize: 15 } }
        : undefined,
      legend: {
        type: 'plain',
        orient: 'vertical',
        right: 8,
        top: spec.title ? 56 : 12,
        data: spec.series.map((s) => s.name),
      },
      grid: { left: 72, right: 250, top: spec.title ? (spec.subtitle ? 76 : 60) : 24, bottom: 56 },
      xAxis: {
        type: axisType(spec.xScale),
        name: spec.xLabel,
        nameLocation: 'middle',
        nameGap: 30,
        scale: true,
        minInterval: spec.xIntegers ? 1 : undefined,
        axisLabel: { hideOverlap: true },
        splitLine: { show: true, lineStyle: { color: '#eee' } },
      },
      yAxis: {
        type: 'value',
        name: spec.yLabel,
        nameLocation: 'middle',
        nameGap: 50,
        scale: true,
        splitLine: { lineStyle: { color: '#eee' } },
      },
      series: [
        ...spec.series.map((s, i) => seriesOption(spec, s, i)),
        ...spec.series.map((s, i) => errorBarOption(spec, s, i)).filter((o) => o !== null),
      ],
    });
    return renamedIds(chart.renderToSVGString(), idPrefix);
  } finally {
    chart.dispose();
  }
}
