/** The dashboard's renderers: NASNet cell diagrams match their genotype; a chart draws one mark per data point. */
import { describe, expect, it } from 'vitest';
import { NASNET_A, unconsumedBlocks } from '../cells/nasnet/index.ts';
import { BASELINES } from '../cells/baselines/index.ts';
import type { NasnetCell } from '../contracts/genotypes.ts';
import { cellDiagramSvg, cellSvg, chartSvg } from '../dashboard/index.ts';
import { bestSoFarSpec, paretoSpec, type ResultPoint } from '../dashboard/render/search-charts.ts';
import { MAX_DRAWN_POINTS, sampleNote } from '../dashboard/render/sample-points.ts';

/** The edges the NASNet paper's figure of a cell has, computed from the genotype alone. */
function expectedEdges(cell: NasnetCell): string[] {
  const state = (s: number) => (s === 0 ? 'h_prev2' : s === 1 ? 'h_prev1' : `b${s - 2}_combine`);
  const edges = cell.blocks.flatMap((block, b) =>
    [0, 1].flatMap((k) => [`${state(block.inputs[k])}->b${b}_op${k}`, `b${b}_op${k}->b${b}_combine`]),
  );
  return [...edges, ...unconsumedBlocks(cell).map((k) => `b${k}_combine->output`)].sort();
}

function diagram(svg: string) {
  const nodes = [
    ...svg.matchAll(/<g class="cell-node" data-kind="(\w+)" data-id="(\w+)"[^>]*>.*?<text[^>]*>([^<]*)<\/text><\/g>/g),
  ].map((m) => ({ kind: m[1], id: m[2], label: m[3] }));
  const edges = [...svg.matchAll(/class="cell-edge" data-from="(\w+)" data-to="(\w+)"/g)]
    .map((m) => `${m[1]}->${m[2]}`)
    .sort();
  return { nodes, edges };
}

describe('cell diagrams', () => {
  for (const kind of ['normal', 'reduction'] as const) {
    it(`draws NASNet-A's ${kind} cell: one node per op and input, the combines, the output, and the genotype's edges`, async () => {
      const cell = NASNET_A[kind];
      const { nodes, edges } = diagram(await cellDiagramSvg(cell, `${kind} cell`));
      expect(nodes.filter((n) => n.kind === 'input').map((n) => n.label)).toEqual(['h(i-2)', 'h(i-1)']);
      expect(nodes.filter((n) => n.kind === 'op').map((n) => n.label)).toEqual(cell.blocks.flatMap((b) => b.ops));
      expect(nodes.filter((n) => n.kind === 'combine').map((n) => n.label)).toEqual(cell.blocks.map((b) => b.combine));
      expect(nodes.filter((n) => n.kind === 'output')).toHaveLength(1);
      expect(nodes).toHaveLength(2 + 3 * cell.blocks.length + 1);
      expect(edges).toEqual(expectedEdges(cell));
    });
  }

  it('lays every node out inside the drawing', async () => {
    const svg = await cellDiagramSvg(NASNET_A.reduction, 'reduction cell');
    const [width, height] = svg
      .match(/width="(\d+)" height="(\d+)"/)!
      .slice(1)
      .map(Number);
    for (const m of svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="(\d+)" height="(\d+)"/g)) {
      const [x, y, w, h] = m.slice(1).map(Number);
      expect(x + w).toBeLessThanOrEqual(width);
      expect(y + h).toBeLessThanOrEqual(height);
    }
  });

  it('cellSvg draws both cells of a NASNet architecture and refuses other families', async () => {
    const svg = await cellSvg(NASNET_A);
    expect(svg.match(/<title>(Normal|Reduction) cell<\/title>/g)).toHaveLength(2);
    expect(svg.match(/class="cell-node"/g)).toHaveLength(2 * (2 + 3 * 5 + 1));
    await expect(cellSvg(BASELINES[0].architecture)).rejects.toThrow(/no cells/);
  });
});

const marks = (svg: string, series: number) =>
  svg.match(new RegExp(`ecmeta_series_index="${series}" ecmeta_data_index="\\d+" ecmeta_ssr_type="chart"`, 'g'))
    ?.length ?? 0;

describe('charts', () => {
  it('draws one mark per data point of each series, none for a series without markers, and escapes text', () => {
    const svg = chartSvg({
      title: 'Accuracy <vs> cost',
      xLabel: 'params',
      yLabel: 'accuracy (%)',
      xScale: 'log',
      series: [
        {
          name: 'trials',
          kind: 'scatter',
          points: Array.from({ length: 37 }, (_, i) => ({ x: 1000 + i * 10, y: 50 + (i % 7) })),
        },
        {
          name: 'line',
          kind: 'line',
          points: [
            { x: 1000, y: 50 },
            { x: 2000, y: 60 },
            { x: 3000, y: 55 },
          ],
        },
        {
          name: 'front',
          kind: 'step',
          noMarkers: true,
          points: [
            { x: 1000, y: 50 },
            { x: 3000, y: 60 },
          ],
        },
        // Not drawable on a log axis: no mark.
        {
          name: 'bad',
          kind: 'scatter',
          points: [
            { x: 0, y: 1 },
            { x: Number.NaN, y: 2 },
          ],
        },
      ],
    });
    expect([0, 1, 2, 3].map((s) => marks(svg, s))).toEqual([37, 3, 0, 0]);
    expect(svg).toContain('Accuracy &lt;vs&gt; cost');
    expect(svg).not.toContain('Accuracy <vs>');
  });

  it('the Pareto chart has one mark per succeeded trial, per reused result and per baseline', () => {
    const results: ResultPoint[] = Array.from({ length: 1000 }, (_, i) => ({
      trialId: `s/${i}`,
      trialIndex: i,
      valAccuracy: 0.6 + ((i * 7919) % 300) / 1000,
      params: 10_000 + ((i * 104_729) % 900_000),
      flops: 1e6 + i * 1000,
      finishedAt: Date.UTC(2026, 0, 1) + i * 60_000,
      status: i % 10 === 0 ? 'reused' : 'succeeded',
    }));
    const baselines = [{ name: 'lenet5', trialId: 'b/0', valAccuracy: 0.85, params: 61_706, flops: 416_520 }];
    const svg = chartSvg(paretoSpec(results, baselines, 'params'));
    expect([0, 1, 2].map((s) => marks(svg, s))).toEqual([900, 100, 1]);
    expect(svg).toContain('>lenet5</text>');
  });

  it('past the bound, draws every new best, every point of the Pareto front and a fixed sample of the rest, and says so', () => {
    const results: ResultPoint[] = Array.from({ length: 10_000 }, (_, i) => ({
      trialId: `big/${i}`,
      trialIndex: i,
      valAccuracy: 0.5 + 0.4 * Math.abs(Math.sin(i * 12.9898)) * (1 - 1 / (2 + i / 500)),
      params: 10_000 + ((i * 104_729) % 900_000),
      flops: 1e6 + ((i * 7919) % 5e6),
      finishedAt: Date.UTC(2026, 0, 1) + i * 60_000,
      status: i % 10 === 0 ? 'reused' : 'succeeded',
    }));
    const xs = (points: Array<{ x: number }>) => new Set(points.map((p) => p.x));

    const byIndex = bestSoFarSpec(results, 'index');
    const drawn = byIndex.series[0].points;
    expect(drawn.length).toBe(MAX_DRAWN_POINTS);
    expect([byIndex.drawnResults, byIndex.totalResults]).toEqual([MAX_DRAWN_POINTS, 10_000]);
    let best = -Infinity;
    const newBests: ResultPoint[] = [];
    for (const r of results) {
      if (r.valAccuracy > best) newBests.push(r);
      best = Math.max(best, r.valAccuracy);
    }
    for (const r of newBests) expect(xs(drawn).has(r.trialIndex), `new best ${r.trialIndex}`).toBe(true);
    // The line: each new best, then level to the last result.
    const line = byIndex.series[1].points;
    expect(line.map((p) => p.x)).toEqual([...newBests.map((r) => r.trialIndex), 9_999]);
    expect(line[line.length - 1].y).toBeCloseTo(best * 100, 10);
    expect(marks(chartSvg(byIndex), 0)).toBe(MAX_DRAWN_POINTS);
    // The same sample on every render.
    expect(bestSoFarSpec(results, 'index').series[0].points).toEqual(drawn);

    const baselines = [{ name: 'lenet5', trialId: 'b/0', valAccuracy: 0.85, params: 61_706, flops: 416_520 }];
    const pareto = paretoSpec(results, baselines, 'params');
    const front = pareto.series[3].points;
    const onFront = results.filter((r) => front.some((p) => p.x === r.params && p.y === r.valAccuracy * 100));
    expect(onFront.length).toBeGreaterThan(1);
    const drawnResults = [...pareto.series[0].points, ...pareto.series[1].points];
    expect(drawnResults.length).toBe(MAX_DRAWN_POINTS);
    for (const r of onFront) expect(xs(drawnResults).has(r.params), `front ${r.trialIndex}`).toBe(true);
    expect(pareto.series[2].points).toHaveLength(1);

    expect(sampleNote(pareto.drawnResults, pareto.totalResults, 'every result on the front')).toBe(
      ' 1,000 of 10,000 results shown: every result on the front and a fixed sample of the rest.',
    );
    expect(sampleNote(5, 5, 'every new best')).toBe('');
  });
});
