import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { TrialState } from '../contracts/trial-state.ts';

export interface BestTrial {
  trialId: string;
  valAccuracy: number;
  description: string;
}

export interface SearchProgress {
  searchId: string;
  trials: number;
  parallel: number;
  dispatched: number;
  running: string[];
  counts: Partial<Record<TrialState, number>>;
  best: BestTrial | null;
  paused: boolean;
  stopping: boolean;
  finished: boolean;
  strategy: Record<string, number | string>;
}

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const stopSignal = defineSignal('stop');
export const setParallelismSignal = defineSignal<[number]>('setParallelism');
export const progressQuery = defineQuery<SearchProgress>('progress');
