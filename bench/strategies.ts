/**
 * Proof that the learners learn: random search, REINFORCE, regularized evolution and successive
 * halving (over random search) on the synthetic objective (search/synthetic-objective.ts) over the
 * real NASNet space, 10 seeds x 300 trials, each candidate rewarded with the simulated trainer's
 * validation accuracy (no noise) and ranked by its synthetic quality (1 at the optimum). Reports
 * the mean best-found score and the median number of trials to reach 90% of the optimum (null when
 * the median run never reaches it), with the ratios against random. Strategies see results as
 * the search workflow feeds them (bench/strategy-study.ts).
 *
 *   npm run bench:strategies [-- --json] [--seeds 10] [--trials 300]
 *     [--lr 0.01] [--batch 5] [--population 20] [--sample 20] [--through-searches [--parallel 8]]
 *
 * --through-searches: also runs every arm and seed as a real search (the search workflow on the
 * embedded stack with the simulated trainer, bench/strategies-through-searches.ts) and compares:
 * the same request proposes the same candidates, so the scores should be equal run for run.
 *
 * Hyperparameters for a 300-trial budget: REINFORCE with learning rate 0.01
 * (the default 3.5e-4 is for searches of thousands of architectures; with
 * it the controller barely moves in 60 updates), evolution with P = 20,
 * S = 20 (near-greedy tournaments suit a short budget).
 */
import { SYNTHETIC } from '../search/synthetic-objective.ts';
import { runThroughSearches } from './strategies-through-searches.ts';
import {
  Landscape,
  runInProcess,
  studyArms,
  studyRequest,
  summarise,
  type RunSummary,
  type StudyArm,
} from './strategy-study.ts';

const THRESHOLD = 0.9;

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name}: must be a positive number, got ${process.argv[at + 1]}`);
  return value;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface ArmResult {
  arm: StudyArm;
  runs: RunSummary[];
  seconds: number;
}

/** Rows of one mode: per arm its figures against random's (the first arm). */
function rowsOf(results: ArmResult[], seeds: number) {
  // A finite second yardstick: per seed, trials until an arm matches the best random found in the whole budget.
  const randomBests = results[0].runs.map((r) => r.best);
  const rows = results.map(({ arm, runs, seconds }) => {
    const toRandomBest = median(
      runs.map((r, seed) => r.bestSoFar.findIndex((b) => b >= randomBests[seed]) + 1 || Infinity),
    );
    const medianTrials = median(runs.map((r) => r.trialsToThreshold ?? Infinity));
    const bests = runs.map((r) => r.best);
    return {
      strategy: arm.label,
      flags: arm.flags.join(' '),
      meanBest: mean(bests),
      sdBest: sd(bests),
      medianTrialsTo90: Number.isFinite(medianTrials) ? medianTrials : null,
      reached90: runs.filter((r) => r.trialsToThreshold !== null).length,
      medianTrialsToMatchRandom: Number.isFinite(toRandomBest) ? toRandomBest : null,
      runs: runs.map((r) => ({ best: r.best, trialsTo90: r.trialsToThreshold })),
      seconds,
    };
  });
  const random = rows[0];
  return rows.map((row) => ({
    ...row,
    bestVsRandom: row.meanBest / random.meanBest,
    // Random's median trials divided by this arm's: > 1 is faster; Infinity when random's median run never got there.
    speedupVsRandom:
      row.medianTrialsTo90 === null ? null : (random.medianTrialsTo90 ?? Infinity) / row.medianTrialsTo90,
    beatsRandom:
      row === random
        ? null
        : row.meanBest > random.meanBest &&
          row.medianTrialsTo90 !== null &&
          (random.medianTrialsTo90 === null || row.medianTrialsTo90 < random.medianTrialsTo90),
    seedsOf: seeds,
  }));
}

type Row = ReturnType<typeof rowsOf>[number];

function printRows(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log(
    'strategy   mean best (sd)     vs random  median trials to 90%  reached  speed-up  beats random  trials to match random  seconds  flags',
  );
  for (const s of rows) {
    console.log(
      [
        s.strategy.padEnd(9),
        `${s.meanBest.toFixed(4)} (${s.sdBest.toFixed(4)})`.padStart(17),
        s.bestVsRandom.toFixed(3).padStart(10),
        String(s.medianTrialsTo90 ?? 'never').padStart(21),
        `${s.reached90}/${s.seedsOf}`.padStart(8),
        (s.speedupVsRandom === null
          ? '-'
          : s.speedupVsRandom === Infinity
            ? 'inf'
            : s.speedupVsRandom.toFixed(2)
        ).padStart(9),
        String(s.beatsRandom ?? '-').padStart(13),
        String(s.medianTrialsToMatchRandom ?? 'never').padStart(23),
        s.seconds.toFixed(1).padStart(8),
        ` ${s.flags}`,
      ].join(' '),
    );
  }
}

/** Per arm: runs whose every score equals the other mode's, and the difference of mean bests against its standard error. */
function comparison(inProcess: ArmResult[], real: Map<string, number[][]>, scoresOf: Map<string, number[][]>) {
  return inProcess.map(({ arm, runs }) => {
    const realScores = real.get(arm.label)!;
    const identical = realScores.filter(
      (scores, seed) => scores.join() === scoresOf.get(arm.label)![seed].join(),
    ).length;
    const a = runs.map((r) => r.best);
    const b = realScores.map((scores) => summarise(scores, THRESHOLD).best);
    const standardError = Math.sqrt((sd(a) ** 2 + sd(b) ** 2) / a.length);
    const difference = mean(b) - mean(a);
    return {
      strategy: arm.label,
      identicalRuns: identical,
      seeds: a.length,
      meanBestInProcess: mean(a),
      meanBestThroughSearches: mean(b),
      difference,
      standardError,
      withinNoise: Math.abs(difference) <= 2 * standardError,
    };
  });
}

/** Every arm over every seed in process, as `nas search start --parallel <parallel>` would search; scores kept per arm. */
function studyInProcess(
  arms: StudyArm[],
  seeds: number,
  trials: number,
  parallel: number,
  scoresOf: Map<string, number[][]>,
): ArmResult[] {
  return arms.map((arm): ArmResult => {
    const started = performance.now();
    const scores = Array.from({ length: seeds }, (_, seed) => {
      const request = studyRequest(arm, seed, trials, parallel);
      return runInProcess(request, new Landscape(request, seed));
    });
    scoresOf.set(arm.label, scores);
    return { arm, runs: scores.map((s) => summarise(s, THRESHOLD)), seconds: (performance.now() - started) / 1000 };
  });
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const seeds = flag('seeds', 10);
  const trials = flag('trials', 300);
  const parallel = flag('parallel', 8);
  const arms = studyArms({
    lr: flag('lr', 0.01),
    batch: flag('batch', 5),
    population: flag('population', 20),
    sample: flag('sample', 20),
  });
  const scoresOf = new Map<string, number[][]>();
  const inProcess = studyInProcess(arms, seeds, trials, parallel, scoresOf);
  const atParallel1 = studyInProcess(arms, seeds, trials, 1, new Map());
  const report: Record<string, unknown> = {
    space: 'nasnet',
    objective: { ...SYNTHETIC, optimum: 1, threshold: THRESHOLD },
    seeds,
    trials,
    parallel,
    inProcess: rowsOf(inProcess, seeds),
    inProcessAtParallel1: rowsOf(atParallel1, seeds),
  };
  const log = json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  if (process.argv.includes('--through-searches')) {
    const started = performance.now();
    const real = await runThroughSearches(arms, seeds, trials, parallel, log);
    const seconds = (performance.now() - started) / 1000;
    const realResults = arms.map((arm) => ({
      arm,
      runs: real.get(arm.label)!.map((s) => summarise(s, THRESHOLD)),
      seconds: seconds / arms.length,
    }));
    report.throughSearches = { parallel, seconds, strategies: rowsOf(realResults, seeds) };
    report.comparison = comparison(inProcess, real, scoresOf);
  }
  if (json) {
    console.log(JSON.stringify(report, (_k, v) => (v === Infinity ? 'Infinity' : v), 2));
    return;
  }
  console.log(
    `synthetic objective over the NASNet space: ${seeds} seeds x ${trials} trials, threshold ${THRESHOLD} x optimum`,
  );
  console.log(
    `trials to match random: median over seeds of the trials needed to reach the best random found in ${trials} trials on that seed`,
  );
  printRows(
    `in process at parallel ${parallel} (the strategy fed as the search workflow feeds it: window max(8, parallel))`,
    report.inProcess as Row[],
  );
  printRows(
    'in process at parallel 1 (window 0: every result seen before the next proposal)',
    report.inProcessAtParallel1 as Row[],
  );
  if (report.throughSearches) {
    const real = report.throughSearches as { parallel: number; seconds: number; strategies: Row[] };
    printRows(
      `through real searches (embedded stack, simulated trainer, parallel ${real.parallel} each, ${real.seconds.toFixed(0)} s in all)`,
      real.strategies,
    );
    console.log(
      '\nstrategy   identical runs  mean best in process  through searches  difference  2 x std error  within noise',
    );
    for (const c of report.comparison as ReturnType<typeof comparison>) {
      console.log(
        `${c.strategy.padEnd(9)} ${`${c.identicalRuns}/${c.seeds}`.padStart(15)} ${c.meanBestInProcess.toFixed(4).padStart(21)} ${c.meanBestThroughSearches.toFixed(4).padStart(17)} ${c.difference.toFixed(4).padStart(11)} ${(2 * c.standardError).toFixed(4).padStart(14)} ${String(c.withinNoise).padStart(13)}`,
      );
    }
  }
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function sd(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / Math.max(1, values.length - 1));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
