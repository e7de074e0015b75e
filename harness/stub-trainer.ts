/**
 * A trainer activity for workflow tests that need many trials fast: it marks the trial running,
 * waits a seeded duration (heartbeating, cancellable) and writes a seeded accuracy, through the
 * same queries the real trainer uses. Accuracy and duration are functions of the trial and a seed.
 */
import { Context } from '@temporalio/activity';
import type { Database } from '../db/client.ts';
import { finishTrial, getTrial, markTrialRunning } from '../db/queries/trials.ts';
import { makeRng } from '../numeric/rng.ts';
import type { TrainingActivities, TrainTrialInput, TrainTrialResult } from '../contracts/activities.ts';

export interface StubTrainerOptions {
  /** Durations are drawn uniformly from [minMs, maxMs], seeded by the trial index (the same in every search). */
  minMs?: number;
  maxMs?: number;
  seed?: number;
  /** Called as a trial starts and ends (ms since the epoch), e.g. to measure idle trainer time. */
  onSpan?: (span: { trialId: string; start: number; end: number }) => void;
  /** A trial starts its duration only once this says so (polled, heartbeating, cancellable): a test's gate. */
  mayStart?: (input: TrainTrialInput) => boolean;
}

export function stubDuration(trialIndex: number, options: StubTrainerOptions = {}): number {
  const { minMs = 50, maxMs = 200, seed = 1 } = options;
  return Math.round(minMs + makeRng(`${seed}/duration/${trialIndex}`).next() * (maxMs - minMs));
}

/** Seeded by the architecture, so the same network gets the same accuracy in every search. */
export function stubAccuracy(archHash: string, seed = 1): number {
  return Math.round((0.5 + 0.45 * makeRng(`${seed}/accuracy/${archHash}`).next()) * 1e4) / 1e4;
}

/**
 * The accuracy of one repeat: stubAccuracy at the protocol's own seed, and within ±1 point of it
 * (seeded by the training seed) for another repeat seed, so final repeats have a spread.
 */
export function stubRepeatAccuracy(archHash: string, trainingSeed: number, protocolSeed: number, seed = 1): number {
  const base = stubAccuracy(archHash, seed);
  if (trainingSeed === protocolSeed) return base;
  const jitter = (makeRng(`${seed}/repeat/${archHash}/${trainingSeed}`).next() - 0.5) * 0.02;
  return Math.round(Math.min(1, Math.max(0, base + jitter)) * 1e4) / 1e4;
}

export function createStubTrainer(db: Database, options: StubTrainerOptions = {}): TrainingActivities {
  return {
    async trainTrial(input: TrainTrialInput): Promise<TrainTrialResult> {
      const ctx = Context.current();
      const row = await getTrial(db, input.trialId);
      if (!row) throw new Error(`stub trainer: trial ${input.trialId} was not prepared`);
      const start = Date.now();
      await markTrialRunning(db, input.trialId, { worker: 'stub-trainer', backend: 'stub', device: 'none' });
      while (options.mayStart && !options.mayStart(input)) {
        ctx.heartbeat();
        await ctx.sleep(50);
      }
      const ms = stubDuration(input.trialIndex, options);
      for (let waited = 0; waited < ms; waited += 50) {
        ctx.heartbeat();
        await ctx.sleep(Math.min(50, ms - waited));
      }
      const valAccuracy = stubRepeatAccuracy(
        input.archHash,
        input.seed ?? input.protocol.seed,
        input.protocol.seed,
        options.seed,
      );
      await finishTrial(db, input.trialId, {
        status: 'succeeded',
        valAccuracy,
        testAccuracy: input.protocol.testSize > 0 ? valAccuracy : null,
        trainSeconds: ms / 1000,
        worker: 'stub-trainer',
        backend: 'stub',
        device: 'none',
      });
      options.onSpan?.({ trialId: input.trialId, start, end: Date.now() });
      return {
        trialId: input.trialId,
        status: 'succeeded',
        valAccuracy,
        testAccuracy: input.protocol.testSize > 0 ? valAccuracy : null,
        epochs: [],
        params: Number(row.params),
        flops: Number(row.flops),
        trainSeconds: ms / 1000,
        samplesPerSecond: 0,
        backend: 'stub',
        device: 'none',
        worker: 'stub-trainer',
      };
    },
  };
}
