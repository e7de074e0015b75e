/** The charts of a run's page: best so far, accuracy against cost with the baselines, learning curves. */
import { chartSvg, type ChartPoint, type ChartSpec } from './chart.ts';
import { boundedSample, MAX_DRAWN_POINTS } from './sample-points.ts';

export interface ResultPoint {
  trialId: string;
  trialIndex: number;
  /** In [0, 1]. */
  valAccuracy: number;
  params: number;
  flops: number;
  /** Milliseconds since the epoch; null when unknown. */
  finishedAt: number | null;
  /** 'reused': the result of an earlier training of the same network. */
  status: 'succeeded' | 'reused';
}

export interface BaselinePoint {
  name: string;
  trialId: string;
  valAccuracy: number;
  params: number;
  flops: number;
}

export interface EpochPoint {
  epoch: number;
  trainAccuracy: number;
  valAccuracy: number;
  trainLoss: number;
  valLoss: number;
}

const trialHref = (trialId: string) => `/trials/${encodeURIComponent(trialId)}`;
const pct = (v: number) => v * 100;

/** A chart of results that may draw a sample of them: how many it draws of how many. */
export type SampledChartSpec = ChartSpec & { drawnResults: number; totalResults: number };

/**
 * Each result against its trial index (or finishing time), and the best validation accuracy so far
 * as a step line. The line is computed over every result; past `limit` results the markers are
 * every new best and a fixed sample of the rest.
 */
export function bestSoFarSpec(
  results: ResultPoint[],
  by: 'index' | 'time',
  limit = MAX_DRAWN_POINTS,
): SampledChartSpec {
  const ordered = results
    .filter((r) => by === 'index' || r.finishedAt !== null)
    .sort((a, b) =>
      by === 'index' ? a.trialIndex - b.trialIndex : a.finishedAt! - b.finishedAt! || a.trialIndex - b.trialIndex,
    );
  const x = (r: ResultPoint) => (by === 'index' ? r.trialIndex : r.finishedAt!);
  const newBests = new Set<ResultPoint>();
  let best = -Infinity;
  for (const r of ordered) {
    if (r.valAccuracy > best) newBests.add(r);
    best = Math.max(best, r.valAccuracy);
  }
  const drawn = boundedSample(
    ordered,
    limit,
    (r) => r.trialId,
    (r) => newBests.has(r),
  );
  const points: ChartPoint[] = drawn.map((r) => ({
    x: x(r),
    y: pct(r.valAccuracy),
    href: trialHref(r.trialId),
    tip: `trial ${r.trialIndex}: ${pct(r.valAccuracy).toFixed(2)}%`,
  }));
  // The step line holds each best until the next: its corners and where the results end.
  const last = ordered[ordered.length - 1];
  const corners = [...newBests, ...(last && !newBests.has(last) ? [last] : [])];
  let front = -Infinity;
  const line: ChartPoint[] = corners.map((r) => ({ x: x(r), y: pct((front = Math.max(front, r.valAccuracy))) }));
  return {
    xLabel: by === 'index' ? 'trial index' : 'time the trial finished (UTC)',
    yLabel: 'validation accuracy (%)',
    xScale: by === 'index' ? 'linear' : 'time',
    xIntegers: by === 'index',
    width: 640,
    height: 340,
    series: [
      { name: 'trial', kind: 'scatter', points, color: '#1f77b4', symbolSize: 6 },
      { name: 'best so far', kind: 'step', points: line, color: '#d62728', noMarkers: true },
    ],
    drawnResults: drawn.length,
    totalResults: ordered.length,
  };
}

/**
 * Validation accuracy against params or FLOPs (log scale): the run's results, the baselines trained
 * under the same protocol (labelled), and the Pareto front over both. Past `limit` results the
 * markers are every result on the front and a fixed sample of the rest; every baseline is drawn.
 */
export function paretoSpec(
  results: ResultPoint[],
  baselines: BaselinePoint[],
  cost: 'params' | 'flops',
  limit = MAX_DRAWN_POINTS,
): SampledChartSpec {
  const costOf = (p: { params: number; flops: number }) => (cost === 'params' ? p.params : p.flops);
  const point = (r: ResultPoint): ChartPoint => ({
    x: costOf(r),
    y: pct(r.valAccuracy),
    href: trialHref(r.trialId),
    tip: `trial ${r.trialIndex}: ${pct(r.valAccuracy).toFixed(2)}%, ${costOf(r).toLocaleString('en')} ${cost}`,
  });
  const all: Array<{ x: number; y: number; result?: ResultPoint }> = [
    ...results.map((r) => ({ x: costOf(r), y: pct(r.valAccuracy), result: r })),
    ...baselines.map((b) => ({ x: costOf(b), y: pct(b.valAccuracy) })),
  ]
    .filter((p) => p.x > 0)
    .sort((a, b) => a.x - b.x || b.y - a.y);
  const front: typeof all = [];
  for (const p of all) if (front.length === 0 || p.y > front[front.length - 1].y) front.push(p);
  const onFront = new Set(front.map((p) => p.result));
  const drawn = boundedSample(
    results,
    limit,
    (r) => r.trialId,
    (r) => onFront.has(r),
  );
  return {
    xLabel: cost === 'params' ? 'parameters (log scale)' : 'FLOPs, multiply-adds per image (log scale)',
    yLabel: 'validation accuracy (%)',
    xScale: 'log',
    height: 400,
    series: [
      {
        name: 'trained here',
        kind: 'scatter',
        points: drawn.filter((r) => r.status === 'succeeded').map(point),
        color: '#1f77b4',
      },
      {
        name: 'reused result',
        kind: 'scatter',
        points: drawn.filter((r) => r.status === 'reused').map(point),
        color: '#9467bd',
        symbol: 'triangle',
      },
      {
        name: 'baseline',
        kind: 'scatter',
        symbol: 'diamond',
        symbolSize: 11,
        color: '#2ca02c',
        points: baselines.map((b) => ({
          x: costOf(b),
          y: pct(b.valAccuracy),
          label: b.name,
          href: trialHref(b.trialId),
          tip: `${b.name}: ${pct(b.valAccuracy).toFixed(2)}%`,
        })),
      },
      {
        name: 'Pareto front',
        kind: 'step',
        points: front.map(({ x, y }) => ({ x, y })),
        color: '#d62728',
        dashed: true,
        noMarkers: true,
      },
    ],
    drawnResults: drawn.length,
    totalResults: results.length,
  };
}

/** Validation accuracy per epoch, one line per trial. */
export function learningCurvesSpec(curves: Array<{ trialId: string; label: string; epochs: EpochPoint[] }>): ChartSpec {
  return {
    xLabel: 'epoch',
    yLabel: 'validation accuracy (%)',
    xIntegers: true,
    height: 340,
    series: curves.map((c) => ({
      name: c.label,
      kind: 'line' as const,
      points: c.epochs.map((e) => ({
        x: e.epoch,
        y: pct(e.valAccuracy),
        href: trialHref(c.trialId),
        tip: `${c.label}, epoch ${e.epoch}: ${pct(e.valAccuracy).toFixed(2)}%`,
      })),
    })),
  };
}

/** One trial's training and validation accuracy per epoch. */
export function trialCurveSpec(epochs: EpochPoint[]): ChartSpec {
  const line = (name: string, pick: (e: EpochPoint) => number, color: string, dashed = false) => ({
    name,
    kind: 'line' as const,
    color,
    dashed,
    points: epochs.map((e) => ({ x: e.epoch, y: pick(e), tip: `${name}, epoch ${e.epoch}: ${pick(e).toFixed(2)}` })),
  });
  return {
    xLabel: 'epoch',
    yLabel: 'accuracy (%)',
    xIntegers: true,
    width: 640,
    height: 320,
    series: [
      line('validation accuracy', (e) => pct(e.valAccuracy), '#d62728'),
      line('training accuracy', (e) => pct(e.trainAccuracy), '#1f77b4', true),
    ],
  };
}

export function trialLossSpec(epochs: EpochPoint[]): ChartSpec {
  return {
    xLabel: 'epoch',
    yLabel: 'loss (cross-entropy)',
    xIntegers: true,
    width: 640,
    height: 320,
    series: [
      {
        name: 'validation loss',
        kind: 'line',
        color: '#d62728',
        points: epochs.map((e) => ({ x: e.epoch, y: e.valLoss })),
      },
      {
        name: 'training loss',
        kind: 'line',
        color: '#1f77b4',
        dashed: true,
        points: epochs.map((e) => ({ x: e.epoch, y: e.trainLoss })),
      },
    ],
  };
}

export const bestSoFarSvg = (results: ResultPoint[], by: 'index' | 'time') => chartSvg(bestSoFarSpec(results, by));
export const paretoSvg = (results: ResultPoint[], baselines: BaselinePoint[], cost: 'params' | 'flops') =>
  chartSvg(paretoSpec(results, baselines, cost));
