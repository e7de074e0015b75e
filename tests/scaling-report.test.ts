import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EFFICIENTNET_B0_SMALL, efficientNetB } from '../cells/efficientnet/index.ts';
import { badInputLine } from './support/run-cli.ts';
import { parseCommandLine } from '../cli/command-line.ts';
import { reportChartSpec, reportRows, reportSummary, verdict } from '../dashboard/scaling-report.ts';
import { renderSummaryTable, reportJson, reportSvg } from '../cli/scaling-report.ts';
import { budgetLines } from '../dashboard/scaling-budget.ts';
import { scalingRequestFromFlags } from '../cli/scaling-request.ts';
import type { ScalingPointResult } from '../db/queries/scaling.ts';
import type { ScalingReport } from '../db/queries/scaling-report.ts';
import { DEFAULT_PROTOCOL } from '../contracts/protocol.ts';
import { RequestError } from '../contracts/request-error.ts';
import type { ScalingStudyRequest } from '../search/scaling-plan.ts';
import { validateScalingRequest } from '../search/validate-request.ts';

// Flags to request only: the dataset files of this machine are checked in tests/data.test.ts.
const request = (argv: string[]) =>
  scalingRequestFromFlags(parseCommandLine(['scaling', 'start', ...argv]).input.flags, { checkData: false });

/** Markers drawn by the chart renderer (error bars are silent marks). */
const markers = (svg: string) => (svg.match(/ecmeta_ssr_type="chart"(?! ecmeta_silent)/g) ?? []).length;
const errorBarMarks = (svg: string) => (svg.match(/ecmeta_ssr_type="chart" ecmeta_silent="true"/g) ?? []).length;

function failure(fn: () => unknown): RequestError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RequestError) return err;
    throw err;
  }
  throw new Error('expected a RequestError');
}

describe('nas scaling start: flags to request', () => {
  it('the issue example becomes a validated request with a readable id', () => {
    const r = request([
      '--base',
      'efficientnet-b0-small',
      '--grid-step',
      '0.05',
      '--phi-max',
      '3',
      '--dataset',
      'fashion-mnist',
      '--train-size',
      '10000',
      '--epochs',
      '3',
      '--seed',
      '1',
    ]);
    expect(r).toMatchObject({ baseName: 'efficientnet-b0-small', gridStep: 0.05, tolerance: 0.1, phiMax: 3 });
    expect(r.protocol).toMatchObject({ trainSize: 10000, epochs: 3, seed: 1 });
    expect(r.base.scaling.phi).toBe(0);
    expect(r.studyId).toMatch(/^scaling-efficientnet-b0-small-s1-\d{8}-\d{6}$/);
  });

  it('a genotype file is a base', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-base-'));
    try {
      const file = join(dir, 'my-net.json');
      writeFileSync(file, JSON.stringify({ ...EFFICIENTNET_B0_SMALL, headFilters: 128 }));
      const r = request(['--base', file, '--id', 'file-study']);
      expect(r.baseName).toBe('my-net');
      expect(r.base.headFilters).toBe(128);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad input is an error naming the flag and what is allowed', () => {
    const unknown = failure(() => request(['--base', 'no-such-net']));
    expect(unknown.field).toBe('--base');
    expect(unknown.message).toContain('efficientnet-b0-small');
    const fixed = failure(() => request(['--base', 'lenet5']));
    expect(fixed.field).toBe('--base');
    expect(fixed.message).toMatch(/cannot be compound-scaled/);
    expect(failure(() => request(['--phi-max', '0'])).field).toBe('--phi-max');
    expect(failure(() => request(['--phi-max', 'two'])).field).toBe('--phi-max');
    const empty = failure(() => request(['--grid-step', '0.7']));
    expect(empty.field).toBe('--grid-step');
    expect(empty.message).toMatch(/no \(alpha, beta, gamma\)/);
    expect(failure(() => request(['--tolerance', '0.5'])).field).toBe('--tolerance');
    expect(failure(() => request(['--grid-stpe', '0.1'])).field).toBe('--grid-stpe');
  });

  it('version-2 bases: the published efficientnet-b0 by name or any version-2 genotype file', () => {
    const b0 = request(['--base', 'efficientnet-b0']);
    expect(b0.baseName).toBe('efficientnet-b0');
    expect(b0.base).toMatchObject({ version: 2, stemFilters: 32, headFilters: 1280, scaling: { phi: 0 } });
    const dir = mkdtempSync(join(tmpdir(), 'nas-base-'));
    try {
      const file = join(dir, 'b0-narrow.json');
      writeFileSync(file, JSON.stringify({ ...efficientNetB(0), headFilters: 640 }));
      expect(request(['--base', file]).base).toMatchObject({ version: 2, headFilters: 640 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a request read back from the database (jsonb reorders keys) still validates, as nas scaling resume needs', () => {
    const r = request([]);
    const { height, width, channels } = r.input;
    expect(() => validateScalingRequest({ ...r, input: { width, height, channels } })).not.toThrow();
    expect(() => validateScalingRequest({ ...r, input: { width, height, channels: 3 } })).toThrow(/^input: must be/);
  });

  it('a base that cannot be scaled is refused in one line, exit 2', async () => {
    expect(await badInputLine(['scaling', 'start', '--base', 'efficientnet-b1'])).toBe(
      'nas: --base: "efficientnet-b1" is a published network scaled by its table (width, depth) and cannot be compound-scaled; ' +
        'bases that scale: efficientnet-b0-small, efficientnet-b0, or a JSON file with an EfficientNet-style genotype (version 1 or 2, compound scaling at phi 0)',
    );
    expect(await badInputLine(['scaling', 'start', '--base', 'nasnet-a-mobile'])).toMatch(
      /^nas: --base: "nasnet-a-mobile" is a fixed nasnet network and cannot be compound-scaled; bases that scale: /,
    );
  });

  it('--repeats and --grid-repeats: absent keeps the request of a single training, bad values name the flag', () => {
    expect(request([])).not.toHaveProperty('repeats');
    expect(request(['--repeats', '3', '--grid-repeats', '2'])).toMatchObject({ repeats: 3, gridRepeats: 2 });
    expect(failure(() => request(['--repeats', '0'])).field).toBe('--repeats');
    expect(failure(() => request(['--grid-repeats', 'two'])).field).toBe('--grid-repeats');
    const tooMany = failure(() => request(['--repeats', '31']));
    expect(tooMany.field).toBe('--repeats');
    expect(tooMany.message).toContain('1..30');
  });
});

describe('nas scaling start --budget', () => {
  it('plateau: --max-epochs is the cap, --patience and --min-delta the rule, all in the protocol', () => {
    const r = request(['--budget', 'plateau', '--max-epochs', '20', '--patience', '4', '--min-delta', '0.01']);
    expect(r.protocol).toMatchObject({ epochs: 20, plateau: { patience: 4, minDelta: 0.01 } });
    expect(request(['--budget', 'plateau']).protocol).toMatchObject({
      epochs: 30,
      plateau: { patience: 3, minDelta: 0.005 },
    });
    expect(request([]).protocol).not.toHaveProperty('plateau');
  });

  it('flags that do not fit the budget are errors naming the flag', () => {
    expect(failure(() => request(['--budget', 'plateau', '--epochs', '5'])).message).toBe(
      '--epochs: with --budget plateau the epoch cap is --max-epochs; drop --epochs',
    );
    expect(failure(() => request(['--patience', '3'])).message).toBe('--patience: applies with --budget plateau only');
    expect(failure(() => request(['--budget', 'plateau', '--max-epochs', '3', '--patience', '3'])).field).toBe(
      '--patience',
    );
    expect(failure(() => request(['--budget', 'plateau', '--min-delta', '-1'])).field).toBe('--min-delta');
    expect(failure(() => request(['--budget', 'slow'])).message).toBe(
      '--budget: must be one of fixed, plateau, got "slow"',
    );
  });
});

describe('scaling report', () => {
  const config = {
    studyId: 's',
    baseName: 'efficientnet-b0-small',
    base: EFFICIENTNET_B0_SMALL,
    gridStep: 0.1,
    tolerance: 0.1,
    phiMax: 2,
    parallel: 1,
    protocol: { ...DEFAULT_PROTOCOL, testSize: 10000 },
    input: { height: 28, width: 28, channels: 1 },
    classes: 10,
    trainerTaskQueue: 'q',
  } satisfies ScalingStudyRequest;
  const point = (
    method: string,
    phi: number,
    c: [number, number, number],
    index: number,
    flops: number,
    test: number,
    repeat = 0,
    curve = { epochs: 2, finalEpochGain: 0.004 },
  ): ScalingPointResult =>
    ({
      studyId: 's',
      method,
      phi,
      alpha: c[0],
      beta: c[1],
      gamma: c[2],
      repeat,
      trialId: repeat === 0 ? `s/${index}` : `s/${index}+r${repeat}`,
      status: 'succeeded',
      valAccuracy: test - 0.01,
      testAccuracy: test,
      params: 1000,
      flops,
      trainSeconds: 10,
      ...curve,
    }) as ScalingPointResult;
  const chosen: [number, number, number] = [1.2, 1.1, 1.2];
  const report = (compoundAt2: number): ScalingReport =>
    ({
      study: {
        id: 's',
        base: 'efficientnet-b0-small',
        status: 'finished',
        config,
        chosen: { gridIndex: 0, coefficients: { alpha: 1.2, beta: 1.1, gamma: 1.2 }, valAccuracy: 0.85 },
        createdAt: new Date(),
        finishedAt: null,
      },
      points: [
        point('grid', 1, chosen, 0, 20e6, 0.86),
        point('grid', 1, [2, 1, 1], 1, 20e6, 0.84),
        ...['compound', 'depth', 'width', 'resolution'].map((m) =>
          point(m, 0, m === 'compound' ? chosen : [1, 1, 1], 2, 10e6, 0.8),
        ),
        point('compound', 1, chosen, 0, 20e6, 0.86),
        point('depth', 1, [1.9, 1, 1], 3, 21e6, 0.83),
        point('width', 1, [1, 1.4, 1], 4, 19e6, 0.82),
        point('resolution', 1, [1, 1, 1.43], 5, 20e6, 0.84),
        point('compound', 2, chosen, 6, 40e6, compoundAt2),
        point('depth', 2, [1.95, 1, 1], 7, 41e6, 0.85),
        point('width', 2, [1, 1.41, 1], 8, 39e6, 0.84),
        point('resolution', 2, [1, 1, 1.4], 9, 40e6, 0.86),
      ],
    }) as ScalingReport;

  it('marks the chosen grid point and orders grid, compound, depth, width, resolution by phi', () => {
    const rows = reportRows(report(0.9));
    expect(rows.map((r) => `${r.method}${r.chosen ? '*' : ''}@${r.phi}`).slice(0, 5)).toEqual([
      'grid*@1',
      'grid@1',
      'compound@0',
      'compound@1',
      'compound@2',
    ]);
    expect(rows.find((r) => r.method === 'resolution' && r.phi === 2)!.resolutionPx).toBe(55);
  });

  it('says yes when compound wins at every phi beyond the noise, no when a single axis beats it', () => {
    expect(verdict(report(0.9)).find((l) => l.startsWith('Verdict:'))).toMatch(/^Verdict: yes/);
    expect(verdict(report(0.85)).find((l) => l.startsWith('Verdict:'))).toMatch(/^Verdict: no/);
  });

  it('plots one line per method and the grid, with units on the axes', () => {
    const svg = reportSvg(report(0.9));
    for (const name of [
      'compound (α=1.2, β=1.1, γ=1.2)',
      'depth only',
      'width only',
      'resolution only',
      'grid search at φ=1',
    ]) {
      expect(svg).toContain(`>${name}</text>`);
    }
    expect(svg).toContain('FLOPs (millions of multiply-adds per image, log scale)');
    expect(svg).toContain('Test accuracy (%) on 10000 images');
    expect(svg).toMatch(/\d+ training samples, \d+ epochs? of batch \d+, /);
    // One marker per measured point (4 lines of 3 phi values, 2 grid points), drawn by the dashboard's chart renderer.
    expect(markers(svg)).toBe(14);
    expect(errorBarMarks(svg)).toBe(0); // one training per network: no interval to draw
  });

  it("states the budget, and each method's largest network's final-epoch gain and epochs", () => {
    expect(budgetLines(report(0.9))).toEqual([
      'Training: fixed budget: every network trains 2 epochs.',
      'Final-epoch gain of the largest networks (phi=2; validation accuracy, last epoch minus the one before, points, mean over repeats): compound +0.40 after 2.0 epochs; depth +0.40 after 2.0 epochs; width +0.40 after 2.0 epochs; resolution +0.40 after 2.0 epochs.',
    ]);
    const plateau = report(0.9);
    plateau.study.config = {
      ...config,
      protocol: { ...config.protocol, epochs: 12, plateau: { patience: 3, minDelta: 0.005 } },
    };
    plateau.points = plateau.points.map((p) =>
      p.phi !== 2
        ? p
        : p.method === 'depth'
          ? { ...p, epochs: 12, finalEpochGain: 0.012 }
          : { ...p, epochs: 7, finalEpochGain: -0.001 },
    );
    plateau.points.push({
      ...plateau.points.find((p) => p.method === 'depth' && p.phi === 2)!,
      repeat: 1,
      epochs: 9,
      finalEpochGain: 0.002,
    });
    const lines = budgetLines(plateau);
    expect(lines[0]).toBe(
      'Training: plateau budget: each network trains until its best validation accuracy rose by at most 0.50 points over 3 epochs, at most 12 epochs.',
    );
    // depth: mean of +1.2 and +0.2 points over 12 and 9 epochs; one of its two trainings hit the cap.
    expect(lines[1]).toContain('compound -0.10 after 7.0 epochs; depth +0.70 after 10.5 epochs (1 of 2 at the cap);');
    const table = renderSummaryTable(plateau, 'trainings', 'csv');
    expect(table.split('\n')[0]).toContain('epochs,finalEpochGain');
    expect(reportSvg(plateau)).toContain('until validation accuracy levels off (at most 12 epochs)');
  });

  describe('with repeats', () => {
    const accuracies: Record<string, number[]> = {
      'compound@1': [0.8, 0.82, 0.84],
      'depth@1': [0.7, 0.72, 0.74],
      'width@1': [0.79, 0.81, 0.85],
      'resolution@1': [0.9],
    };
    const withRepeats = (): ScalingReport => {
      const base = report(0.9);
      const coefficients: Record<string, [number, number, number]> = {
        compound: chosen,
        depth: [1.9, 1, 1],
        width: [1, 1.4, 1],
        resolution: [1, 1, 1.43],
      };
      const repeated = Object.entries(accuracies).flatMap(([key, values]) => {
        const method = key.split('@')[0];
        return values.map((a, r) => point(method, 1, coefficients[method], 10, 20e6, a, r));
      });
      const grid = [0.85, 0.86].map((a, r) => point('grid', 1, chosen, 0, 20e6, a, r + 1));
      return {
        ...base,
        study: { ...base.study, config: { ...config, phiMax: 1, repeats: 3, gridRepeats: 3 } },
        points: [
          ...base.points.filter((p) => p.phi === 0 || (p.method === 'grid' && p.phi === 1)),
          ...repeated,
          ...grid,
        ],
      } as ScalingReport;
    };

    it('means with intervals per method and phi, compound minus each axis with Welch p and words', () => {
      const summary = reportSummary(withRepeats());
      const compound = summary.methods.find((m) => m.method === 'compound' && m.phi === 1)!;
      expect(compound.trainings).toBe(3);
      expect(compound.mean).toBeCloseTo(0.82, 12);
      expect(compound.high! - compound.mean!).toBeCloseTo(0.0496828, 6);
      expect(summary.comparisons.map((c) => c.verdict)).toEqual([
        'compound ahead of depth at phi 1 (p = 0.004)',
        expect.stringMatching(/^compound and width not separable at phi 1 \(p = 0\.\d\d\)$/),
        'compound vs resolution at phi 1: no test (needs 2 trainings of each, has 3 and 1; train more with --repeats)',
      ]);
      const lines = verdict(withRepeats());
      expect(lines).toContain('compound ahead of depth at phi 1 (p = 0.004).');
      expect(lines.find((l) => l.startsWith('Verdict:'))).toBe(
        "Verdict: compound scaling is ahead in 1, behind in 0 and not separable in 1 of 2 tested comparisons (Welch's t-test at 0.05, test accuracy, matched FLOPs); 1 lack the repeats for a test.",
      );
    });

    it('the grid choice is bootstrapped over its repeats, the same way every time', () => {
      const first = reportSummary(withRepeats()).grid!;
      expect(first.coefficients).toEqual({ alpha: 1.2, beta: 1.1, gamma: 1.2 });
      expect(first.frequency).toBe(1); // 0.85..0.86 against one training of 0.84
      expect(reportSummary(withRepeats()).grid).toEqual(first);
      expect(verdict(withRepeats())[1]).toMatch(/in 100\.0% of them\.$/);
      expect(reportSummary(report(0.9)).grid).toBeNull();
    });

    it('prints the methods and comparisons tables, one table as CSV, all of it as JSON', () => {
      const methods = renderSummaryTable(withRepeats(), 'methods', 'markdown');
      expect(methods).toContain('mean acc [95% CI]');
      expect(methods).toContain('82.00% [77.0, 87.0]');
      const csv = renderSummaryTable(withRepeats(), 'comparisons', 'csv');
      // CSV keeps the raw records: fractions, not formatted points.
      const [header, depth] = csv.split('\n');
      expect(header).toBe('phi,axis,compoundTrainings,axisTrainings,difference,low,high,p,verdict');
      const [phi, axis, , , difference, low, high, p] = depth.split(',');
      expect([phi, axis]).toEqual(['1', 'depth']);
      expect(Number(difference)).toBeCloseTo(0.1, 12);
      expect(Number(high) - Number(difference)).toBeCloseTo(0.0453392, 6);
      expect(Number(low)).toBeCloseTo(0.1 - 0.0453392, 6);
      expect(Number(p)).toBeCloseTo(0.0036022, 6);
      expect(renderSummaryTable(withRepeats(), 'comparisons', 'table')).toMatch(
        /\+10\.00 +\[\+5\.47, \+14\.53\] +0\.004/,
      );
      const json = reportJson(withRepeats()) as Record<string, unknown>;
      // The chart draws one marker per network (the mean over its repeats): 4 at phi 0, 4 at phi 1, 2 grid points.
      const svg = reportSvg(withRepeats());
      expect(markers(svg)).toBe(10);
      // An error bar (line and two caps) at each network with 2 or more trainings: compound, depth and width at phi 1, the chosen grid point.
      expect(errorBarMarks(svg)).toBe(4 * 3);
      const compound = reportChartSpec(withRepeats()).series[0].points.find((p) => p.label === 'φ=1')!;
      const summary = reportSummary(withRepeats()).methods.find((m) => m.method === 'compound' && m.phi === 1)!;
      expect([compound.yLow, compound.yHigh]).toEqual([summary.low! * 100, summary.high! * 100]);
      expect(svg).toContain('Test accuracy (%) on 10000 images, mean over training seeds');
      expect(Object.keys(json)).toEqual([
        'study',
        'points',
        'metric',
        'methods',
        'comparisons',
        'grid',
        'budget',
        'verdict',
      ]);
    });
  });
});
