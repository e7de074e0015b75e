import { describe, expect, it } from 'vitest';
import { architectureCost } from '../cells/index.ts';
import { baselineByName } from '../cells/baselines/index.ts';
import { EFFICIENTNET_B0_SMALL, EFFICIENTNET_COEFFICIENTS, scaledNetwork } from '../cells/efficientnet/index.ts';
import { RequestError } from '../contracts/request-error.ts';
import type { EfficientNetArchitecture } from '../contracts/genotypes.ts';
import { architectureHash, validateArchitecture } from '../cells/index.ts';
import { efficientNetB } from '../cells/efficientnet/index.ts';
import {
  axisArchitecture,
  axisCandidates,
  checkStudyNumbers,
  compoundArchitecture,
  gridCoefficients,
  gridPlan,
  lineIndex,
  linePlan,
  plannedTrialCount,
  scalingBase,
  SCALING_AXES,
  type ScalingStudyRequest,
} from '../search/scaling-plan.ts';

const input = { height: 28, width: 28, channels: 1 };
const flopsOf = (arch: Parameters<typeof architectureCost>[0]) => architectureCost(arch, input, 10).flops;

function request(overrides: Partial<ScalingStudyRequest> = {}): ScalingStudyRequest {
  return {
    studyId: 'plan-test',
    baseName: 'efficientnet-b0-small',
    base: EFFICIENTNET_B0_SMALL,
    gridStep: 0.1,
    tolerance: 0.1,
    phiMax: 2,
    parallel: 1,
    protocol: {} as ScalingStudyRequest['protocol'],
    input,
    classes: 10,
    trainerTaskQueue: 'q',
    ...overrides,
  };
}

function fails(fn: () => unknown, field: string): void {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(RequestError);
  expect((error as RequestError).field).toBe(field);
}

describe('compound grid at phi = 1', () => {
  it('step 0.1, tolerance 0.1: the 22 triples worked out by hand', () => {
    // b^2 g^2 in {1, 1.21, 1.44, 1.4641, 1.69, 1.7424, 1.96, 2.0449, 2.0736}; alpha then fills 1.9..2.1.
    const hand = [
      [1, 1, 1.4],
      [1, 1.1, 1.3],
      [1, 1.2, 1.2],
      [1, 1.3, 1.1],
      [1, 1.4, 1],
      [1.1, 1.1, 1.2],
      [1.1, 1.2, 1.1],
      [1.2, 1, 1.3],
      [1.2, 1.1, 1.2],
      [1.2, 1.2, 1.1],
      [1.2, 1.3, 1],
      [1.3, 1.1, 1.1],
      [1.4, 1, 1.2],
      [1.4, 1.1, 1.1],
      [1.4, 1.2, 1],
      [1.6, 1, 1.1],
      [1.6, 1.1, 1],
      [1.7, 1, 1.1],
      [1.7, 1.1, 1],
      [1.9, 1, 1],
      [2, 1, 1],
      [2.1, 1, 1],
    ];
    const grid = gridCoefficients(0.1, 0.1).map((c) => [c.alpha, c.beta, c.gamma]);
    expect(grid).toEqual(hand);
    const plan = gridPlan(request());
    expect(plan.map((p) => p.index)).toEqual(hand.map((_, i) => i));
    expect(plan.every((p) => p.phi === 1 && p.method === 'grid' && p.architecture.scaling.phi === 1)).toBe(true);
  });
});

describe('compound line', () => {
  it('EfficientNet coefficients: cost-model FLOPs grow by 1.6x..2.5x per unit of phi', () => {
    const flops = [0, 1, 2, 3, 4].map((phi) =>
      flopsOf(compoundArchitecture(EFFICIENTNET_B0_SMALL, EFFICIENTNET_COEFFICIENTS, phi)),
    );
    for (let phi = 1; phi < flops.length; phi++) {
      const growth = flops[phi] / flops[phi - 1];
      expect(growth, `phi ${phi - 1} -> ${phi}`).toBeGreaterThanOrEqual(1.6);
      expect(growth, `phi ${phi - 1} -> ${phi}`).toBeLessThanOrEqual(2.5);
    }
  });

  it('every grid point of step 0.1: FLOPs grow by 1.6x..2.5x per unit of phi over phi 0..3', () => {
    for (const c of gridCoefficients(0.1, 0.1)) {
      const growth =
        (flopsOf(compoundArchitecture(EFFICIENTNET_B0_SMALL, c, 3)) / flopsOf(EFFICIENTNET_B0_SMALL)) ** (1 / 3);
      expect(growth, JSON.stringify(c)).toBeGreaterThanOrEqual(1.6);
      expect(growth, JSON.stringify(c)).toBeLessThanOrEqual(2.5);
    }
  });
});

describe('single-axis lines at matched FLOPs', () => {
  const req = request();
  const grid = gridPlan(req);
  const chosenAt = (i: number) => ({ gridIndex: i, coefficients: grid[i].coefficients, valAccuracy: 0.9 });
  // Rounding steps (whole pixels after strides, channels in multiples of 8, whole repeats) bound how close a match can be.
  const TOLERANCE = 1.12;

  for (const i of [0, 8, 20]) {
    it(`chosen ${JSON.stringify(grid[i].coefficients)}: each axis within ${TOLERANCE}x of the compound FLOPs, scaling only its axis`, () => {
      const line = linePlan(req, grid.length, chosenAt(i));
      const base = scaledNetwork(EFFICIENTNET_B0_SMALL, input);
      for (let phi = 0; phi <= req.phiMax; phi++) {
        const compound = line.find((p) => p.method === 'compound' && p.phi === phi)!;
        expect(compound.cost.flops).toBe(flopsOf(compound.architecture));
        for (const axis of SCALING_AXES) {
          const point = line.find((p) => p.method === axis && p.phi === phi)!;
          const ratio = point.cost.flops / compound.cost.flops;
          expect(ratio, `${axis} at phi ${phi}`).toBeLessThanOrEqual(TOLERANCE);
          expect(ratio, `${axis} at phi ${phi}`).toBeGreaterThanOrEqual(1 / TOLERANCE);
          const net = scaledNetwork(point.architecture as EfficientNetArchitecture, input);
          if (axis !== 'depth') expect(net.stages.map((s) => s.repeats)).toEqual(base.stages.map((s) => s.repeats));
          if (axis !== 'width')
            expect([net.stemFilters, net.headFilters, ...net.stages.map((s) => s.filters)]).toEqual([
              base.stemFilters,
              base.headFilters,
              ...base.stages.map((s) => s.filters),
            ]);
          if (axis !== 'resolution') expect(net.height).toBe(28);
          if (phi > 0) {
            const c = point.coefficients;
            const perUnit = axis === 'depth' ? c.alpha : axis === 'width' ? c.beta : c.gamma;
            expect(perUnit ** phi).toBeCloseTo(
              axis === 'depth' ? 2 ** point.architecture.scaling.phi : Math.SQRT2 ** point.architecture.scaling.phi,
              4,
            );
          }
        }
      }
    });
  }

  it('no other network on the axis comes closer to the compound FLOPs than the chosen one', () => {
    const line = linePlan(req, grid.length, chosenAt(8));
    for (const axis of SCALING_AXES) {
      const point = line.find((p) => p.method === axis && p.phi === 1)!;
      const target = line.find((p) => p.method === 'compound' && p.phi === 1)!.cost.flops;
      const distance = (flops: number) => Math.abs(Math.log(flops / target));
      for (const m of axisCandidates(EFFICIENTNET_B0_SMALL, axis, input).filter((m) => m <= 3)) {
        expect(
          distance(flopsOf(axisArchitecture(EFFICIENTNET_B0_SMALL, axis, m))),
          `${axis} x${m}`,
        ).toBeGreaterThanOrEqual(distance(point.cost.flops) - 1e-12);
      }
    }
  });

  it('trial indices depend only on the grid size and phiMax, and every planned trial has one', () => {
    const a = linePlan(req, grid.length, chosenAt(0));
    const b = linePlan(req, grid.length, chosenAt(20));
    const key = (p: { method: string; phi: number; index: number }) => `${p.method}@${p.phi}:${p.index}`;
    expect(a.filter((p) => !(p.method === 'compound' && p.phi === 1)).map(key)).toEqual(
      b.filter((p) => !(p.method === 'compound' && p.phi === 1)).map(key),
    );
    expect(a.find((p) => p.method === 'compound' && p.phi === 1)!.index).toBe(0);
    expect(new Set(a.filter((p) => p.phi === 0).map((p) => p.index))).toEqual(new Set([grid.length]));
    const indices = new Set([...grid.map((p) => p.index), ...a.map((p) => p.index)]);
    expect(indices.size).toBe(plannedTrialCount(grid.length, req.phiMax));
    expect(Math.max(...indices)).toBe(plannedTrialCount(grid.length, req.phiMax) - 1);
    expect(lineIndex(grid.length, 2, 'resolution', 2)).toBe(grid.length + 7);
  });
});

describe('bad study input names the flag', () => {
  it('a grid with no point satisfying the constraint', () => {
    fails(() => checkStudyNumbers({ gridStep: 0.7, tolerance: 0.1, phiMax: 2 }), '--grid-step');
  });
  it('phi-max below 1 or not an integer', () => {
    fails(() => checkStudyNumbers({ gridStep: 0.1, tolerance: 0.1, phiMax: 0 }), '--phi-max');
    fails(() => checkStudyNumbers({ gridStep: 0.1, tolerance: 0.1, phiMax: 1.5 }), '--phi-max');
  });
  it('a tolerance genotypes would reject, a step outside the grid range', () => {
    fails(() => checkStudyNumbers({ gridStep: 0.1, tolerance: 0.2, phiMax: 1 }), '--tolerance');
    fails(() => checkStudyNumbers({ gridStep: 0, tolerance: 0.1, phiMax: 1 }), '--grid-step');
  });
  it('a base that cannot scale, or is already scaled', () => {
    fails(() => scalingBase(baselineByName('lenet5').architecture, '--base'), '--base');
    fails(
      () => scalingBase({ ...EFFICIENTNET_B0_SMALL, scaling: { ...EFFICIENTNET_COEFFICIENTS, phi: 1 } }, '--base'),
      '--base',
    );
    expect(scalingBase(baselineByName('efficientnet-b0-small').architecture, '--base').scaling.phi).toBe(0);
  });
});

describe('a version-2 base: the published EfficientNet-B0 structure', () => {
  const b0 = scalingBase(efficientNetB(0), 'base');
  const req = request({ baseName: 'efficientnet-b0', base: b0, phiMax: 2 });
  const grid = gridPlan(req);
  const line = linePlan(req, grid.length, { gridIndex: 0, coefficients: grid[0].coefficients, valAccuracy: 0.9 });

  it('every planned network is a valid version-2 genotype of B0 at its own FLOPs, matched per phi within 1.12x', () => {
    for (const point of [...grid, ...line]) {
      expect(point.architecture.version).toBe(2);
      expect(architectureHash(validateArchitecture(point.architecture))).toBe(architectureHash(point.architecture));
      expect(point.cost.flops).toBe(flopsOf(point.architecture));
    }
    for (let phi = 1; phi <= 2; phi++) {
      const compound = line.find((p) => p.method === 'compound' && p.phi === phi)!;
      for (const axis of SCALING_AXES) {
        const ratio = line.find((p) => p.method === axis && p.phi === phi)!.cost.flops / compound.cost.flops;
        expect(ratio, `${axis} at phi ${phi}`).toBeGreaterThan(1 / 1.12);
        expect(ratio, `${axis} at phi ${phi}`).toBeLessThan(1.12);
      }
    }
    // B0's 1280-channel head at phi 0, 28x28: the stem keeps stride 1 below 112 pixels.
    expect(line[0].architecture).toEqual(b0);
    expect(line[0].cost.flops).toBeGreaterThan(flopsOf(EFFICIENTNET_B0_SMALL));
  });

  it('a table-scaled published network cannot be the base: the error says why and what can', () => {
    expect(() => scalingBase(efficientNetB(1), 'base')).toThrow(
      'base: a network scaled by a published table (width 1, depth 1.1) cannot be the base; the base must have compound scaling at phi 0 (as efficientnet-b0 has)',
    );
  });
});
