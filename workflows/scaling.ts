/**
 * scalingStudyWorkflow: EfficientNet's two steps. Step 1 trains the grid of
 * compound coefficients at phi = 1 and keeps the best by validation
 * accuracy; step 2 trains the compound line and the FLOPs-matched
 * single-axis lines for phi = 0..phiMax. Every training is a trial of the
 * study (trial id `${studyId}/${index}`, indices fixed by the plan), so a
 * rerun under the same id settles from the recorded rows and a network
 * already trained under the same protocol is reused. Trials run through the
 * trial pool, so pause, resume, setParallelism and stop work as in a search.
 */
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  chooseCoefficients,
  gridPlan,
  linePlan,
  plannedTrialCount,
  type ChosenCoefficients,
  type PlannedPoint,
  type ScalingStudyRequest,
} from '../search/scaling-plan';
import type { TrialState } from '../contracts/trial-state';
import { validateScalingRequest } from '../search/validate-request';
import type { ScalingActivities, ScalingPointRecord, TrialOutcome } from '../contracts/activities';
import { orchestration } from './activities';
import { failSearchOnError, rejectInvalid } from './failure';
import { fixedPlanPoolOptions } from './fixed-plan';
import { TrialPool, type PoolTrial } from './trial-pool';

const scaling = proxyActivities<ScalingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

interface ScalingTrial extends PoolTrial {
  point: PlannedPoint;
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

/** How often a point whose trial was cancelled is tried again under a new trial index. */
const MAX_ATTEMPTS_AFTER_CANCEL = 4;

export const scalingProgressQuery = defineQuery<ScalingProgress>('scalingProgress');

export async function scalingStudyWorkflow(request: ScalingStudyRequest): Promise<ScalingSummary> {
  rejectInvalid(() => validateScalingRequest(request));
  return failSearchOnError(request.studyId, () => runStudy(request));
}

async function runStudy(request: ScalingStudyRequest): Promise<ScalingSummary> {
  const grid = gridPlan(request);
  const planned = plannedTrialCount(grid.length, request.phiMax);
  const outcomes = new Map<number, TrialOutcome>();
  let step: ScalingProgress['step'] = 'grid';
  let chosen: ChosenCoefficients | null = null;
  const pool = new TrialPool<ScalingTrial>({
    ...fixedPlanPoolOptions<ScalingTrial>(request.studyId, planned, request),
    summary: () => ({ step, settled: outcomes.size }),
  });
  setHandler(scalingProgressQuery, () => ({
    studyId: request.studyId,
    step,
    planned,
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
    trials: planned,
    config: request,
  });
  await scaling.recordScalingStudy({ studyId: request.studyId, base: request.baseName, config: request });

  const trialOf = (point: PlannedPoint, attempt: number): ScalingTrial => ({
    trialIndex: point.index + attempt * planned,
    architecture: point.architecture,
    protocol: request.protocol,
    fidelity: 0,
    point,
    attempt,
  });

  /**
   * Trains each distinct index once (points may share a network). A trial
   * found cancelled (the study was stopped, now it runs again) is retrained
   * as trial index + planned, + 2 planned, ...: cancelled is final for a trial,
   * so a resumed study continues under new, still deterministic, ids.
   */
  const train = async (points: PlannedPoint[]): Promise<void> => {
    const fresh = points.filter((p, i) => !outcomes.has(p.index) && points.findIndex((q) => q.index === p.index) === i);
    const waiting = fresh.map((point) => trialOf(point, 0));
    await pool.run({
      next: () => waiting.shift() ?? null,
      finished: () => waiting.length === 0,
      mayRelease: () => true,
      release: ({ trial, outcome }) => {
        if (outcome.status !== 'cancelled') outcomes.set(trial.point.index, outcome);
        else if (!pool.isStopping && trial.attempt + 1 < MAX_ATTEMPTS_AFTER_CANCEL)
          waiting.push(trialOf(trial.point, trial.attempt + 1));
      },
    });
    const settled = points.filter((p) => outcomes.has(p.index));
    if (settled.length > 0) {
      await scaling.recordScalingPoints({
        studyId: request.studyId,
        points: settled.map((p) => pointRecord(p, outcomes.get(p.index)!.trialId)),
      });
    }
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

  await train(grid);
  if (pool.isStopping) return finish('stopped');
  chosen = chooseCoefficients(
    grid,
    grid.map((p) => usableAccuracy(outcomes.get(p.index))),
  );
  if (!chosen) return finish('failed', 'no grid point trained successfully, so no coefficients could be chosen');

  step = 'lines';
  await train(linePlan(request, grid.length, chosen));
  return finish(pool.isStopping ? 'stopped' : 'finished');
}

function usableAccuracy(outcome: TrialOutcome | undefined): number | null {
  if (!outcome || (outcome.status !== 'succeeded' && outcome.status !== 'reused')) return null;
  return outcome.valAccuracy;
}

function pointRecord(point: PlannedPoint, trialId: string): ScalingPointRecord {
  return { method: point.method, phi: point.phi, ...point.coefficients, trialId };
}
