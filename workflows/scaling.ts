/**
 * scalingStudyWorkflow: EfficientNet's two steps. Step 1 trains the grid of
 * compound coefficients at phi = 1 and keeps the best by validation
 * accuracy; step 2 trains the compound line and the FLOPs-matched
 * single-axis lines for phi = 0..phiMax. Every training is a trial of the
 * study (trial id `${studyId}/${index}`, indices fixed by the plan), so a
 * rerun under the same id settles from the recorded rows and a network
 * already trained under the same protocol and seed is reused. With repeats,
 * repeat r of a point trains with seed protocol.seed + r (same data split);
 * a rerun with more repeats trains only the new seeds. Trials run through the
 * trial pool, so pause, resume, setParallelism and stop work as in a search.
 */
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import { repeatSeed } from '../search/final.ts';
import {
  ATTEMPTS_PER_TRAINING,
  chooseCoefficients,
  gridPlan,
  linePlan,
  plannedTrainings,
  plannedTrialCount,
  scalingTrialIndex,
  studyRepeats,
  type ChosenCoefficients,
  type PlannedPoint,
  type ScalingStudyRequest,
} from '../search/scaling-plan.ts';
import type { TrialState } from '../contracts/trial-state.ts';
import { validateScalingRequest } from '../search/validate-request.ts';
import type { ScalingActivities, ScalingPointRecord, TrialOutcome } from '../contracts/activities.ts';
import { orchestration } from './activities.ts';
import { failSearchOnError, rejectInvalid } from './failure.ts';
import { fixedPlanPoolOptions } from './fixed-plan.ts';
import { TrialPool, type PoolTrial } from './trial-pool.ts';

const scaling = proxyActivities<ScalingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

interface ScalingTrial extends PoolTrial {
  point: PlannedPoint;
  repeat: number;
  attempt: number;
}

export interface ScalingProgress {
  studyId: string;
  step: 'grid' | 'lines' | 'done';
  planned: number;
  settled: number;
  running: string[];
  counts: Partial<Record<TrialState, number>>;
  chosen: ChosenCoefficients | null;
  stopping: boolean;
}

export interface ScalingSummary {
  studyId: string;
  status: 'finished' | 'stopped' | 'failed';
  chosen: ChosenCoefficients | null;
  counts: Partial<Record<TrialState, number>>;
  error?: string;
}

export const scalingProgressQuery = defineQuery<ScalingProgress>('scalingProgress');

export async function scalingStudyWorkflow(request: ScalingStudyRequest): Promise<ScalingSummary> {
  rejectInvalid(() => validateScalingRequest(request));
  return failSearchOnError(request.studyId, () => runStudy(request));
}

async function runStudy(request: ScalingStudyRequest): Promise<ScalingSummary> {
  const grid = gridPlan(request);
  const planned = plannedTrialCount(grid.length, request.phiMax);
  const trainings = plannedTrainings(grid.length, request);
  const { repeats, gridRepeats } = studyRepeats(request);
  /** Settled trainings by `${point index}/${repeat}`. */
  const outcomes = new Map<string, TrialOutcome>();
  const key = (point: PlannedPoint, repeat: number) => `${point.index}/${repeat}`;
  let step: ScalingProgress['step'] = 'grid';
  let chosen: ChosenCoefficients | null = null;
  const pool = new TrialPool<ScalingTrial>({
    ...fixedPlanPoolOptions<ScalingTrial>(request.studyId, trainings, request),
    summary: () => ({ step, settled: outcomes.size }),
  });
  setHandler(scalingProgressQuery, () => ({
    studyId: request.studyId,
    step,
    planned: trainings,
    settled: outcomes.size,
    running: pool.runningTrialIds(),
    counts: pool.counts,
    chosen,
    stopping: pool.isStopping,
  }));

  await orchestration.recordSearch({
    searchId: request.studyId,
    kind: 'scaling',
    space: 'efficientnet',
    strategy: 'compound-scaling',
    seed: request.protocol.seed,
    trials: trainings,
    config: request,
  });
  await scaling.recordScalingStudy({ studyId: request.studyId, base: request.baseName, config: request });

  const trialOf = (point: PlannedPoint, repeat: number, attempt: number): ScalingTrial => ({
    trialIndex: scalingTrialIndex(point.index, repeat, attempt, planned),
    architecture: point.architecture,
    protocol: request.protocol,
    fidelity: 0,
    seed: repeatSeed(request.protocol, repeat),
    point,
    repeat,
    attempt,
  });

  /**
   * Trains each distinct index `times` times (points may share a network),
   * repeat 0 of every point first. A trial found cancelled (the study was
   * stopped, now it runs again) is retrained under its next attempt's index:
   * cancelled is final for a trial, so a resumed study continues under new,
   * still deterministic, ids.
   */
  const train = async (points: PlannedPoint[], times: number): Promise<void> => {
    const distinct = points.filter((p, i) => points.findIndex((q) => q.index === p.index) === i);
    const waiting: ScalingTrial[] = [];
    for (let repeat = 0; repeat < times; repeat++) {
      for (const point of distinct) if (!outcomes.has(key(point, repeat))) waiting.push(trialOf(point, repeat, 0));
    }
    await pool.run({
      next: () => waiting.shift() ?? null,
      finished: () => waiting.length === 0,
      mayRelease: () => true,
      release: ({ trial, outcome }) => {
        if (outcome.status !== 'cancelled') outcomes.set(key(trial.point, trial.repeat), outcome);
        else if (!pool.isStopping && trial.attempt + 1 < ATTEMPTS_PER_TRAINING)
          waiting.push(trialOf(trial.point, trial.repeat, trial.attempt + 1));
      },
    });
    const settled: ScalingPointRecord[] = [];
    for (let repeat = 0; repeat < times; repeat++) {
      for (const point of points) {
        const outcome = outcomes.get(key(point, repeat));
        if (outcome) settled.push(pointRecord(point, repeat, outcome.trialId));
      }
    }
    if (settled.length > 0) await scaling.recordScalingPoints({ studyId: request.studyId, points: settled });
  };

  const finish = async (status: ScalingSummary['status'], error?: string): Promise<ScalingSummary> => {
    step = 'done';
    await scaling.finishScalingStudy({
      studyId: request.studyId,
      status,
      chosen: chosen ?? (error ? { error } : null),
    });
    await orchestration.finishSearch({
      searchId: request.studyId,
      status: status === 'stopped' ? 'stopped' : 'finished',
    });
    return { studyId: request.studyId, status, chosen, counts: pool.counts, ...(error ? { error } : {}) };
  };

  await train(grid, gridRepeats);
  if (pool.isStopping) return finish('stopped');
  chosen = chooseCoefficients(
    grid,
    grid.map((p) => meanUsableAccuracy(gridRepeats, (r) => outcomes.get(key(p, r)))),
  );
  if (!chosen) return finish('failed', 'no grid point trained successfully, so no coefficients could be chosen');

  step = 'lines';
  await train(linePlan(request, grid.length, chosen), repeats);
  return finish(pool.isStopping ? 'stopped' : 'finished');
}

function usableAccuracy(outcome: TrialOutcome | undefined): number | null {
  if (!outcome || (outcome.status !== 'succeeded' && outcome.status !== 'reused')) return null;
  return outcome.valAccuracy;
}

/** Mean validation accuracy over a point's usable repeats; null when none is usable. */
function meanUsableAccuracy(times: number, outcomeOf: (repeat: number) => TrialOutcome | undefined): number | null {
  const usable: number[] = [];
  for (let r = 0; r < times; r++) {
    const accuracy = usableAccuracy(outcomeOf(r));
    if (accuracy !== null) usable.push(accuracy);
  }
  return usable.length === 0 ? null : usable.reduce((s, a) => s + a, 0) / usable.length;
}

/** Repeat 0 is recorded without a repeat field, as studies before repeats recorded it. */
function pointRecord(point: PlannedPoint, repeat: number, trialId: string): ScalingPointRecord {
  return { method: point.method, phi: point.phi, ...point.coefficients, trialId, ...(repeat > 0 ? { repeat } : {}) };
}
