/**
 * Proof that the learners learn: random, REINFORCE and regularized evolution
 * on the synthetic objective of harness/synthetic-objective.ts over the real
 * NASNet space (default config: 5 blocks, 13 ops), 10 seeds x 300 trials
 * each, one candidate at a time. Reports the mean best-found score and the
 * median number of trials to reach 90% of the optimum (null when the median
 * run never reaches it), with the ratios against random.
 *
 *   npm run bench:strategies [-- --json] [--seeds 10] [--trials 300]
 *     [--lr 0.01] [--batch 5] [--population 20] [--sample 20]
 *
 * Hyperparameters for a 300-trial budget: REINFORCE with learning rate 0.01
 * (the default 3.5e-4 is for searches of thousands of architectures; with
 * it the controller barely moves in 60 updates), evolution with P = 20,
 * S = 20 (near-greedy tournaments suit a short budget).
 */
import { nasnetSpace } from '../cells/nasnet';
import { createStrategy } from '../search/strategies';
import type { StrategyConfig } from '../search/strategies/types';
import { SYNTHETIC, syntheticObjective } from '../search/synthetic-objective';

const THRESHOLD = 0.9;

interface RunResult {
  best: number;
  /** Best score after each trial. */
  bestSoFar: number[];
  /** Trials until the best score first reached THRESHOLD x optimum; null if never. */
  trialsToThreshold: number | null;
}

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: must be a positive number, got ${process.argv[at + 1]}`);
  return value;
}

function run(config: StrategyConfig, seed: number, trials: number): RunResult {
  const space = nasnetSpace();
  const objective = syntheticObjective(space, seed);
  const strategy = createStrategy(config, space, seed);
  let best = -Infinity;
  let trialsToThreshold: number | null = null;
  const bestSoFar: number[] = [];
  for (let trial = 1; trial <= trials; trial++) {
    const [candidate] = strategy.propose(1);
    if (!candidate) throw new Error(`${config.name} proposed nothing at trial ${trial}`);
    const score = objective.score(candidate.choices);
    best = Math.max(best, score);
    bestSoFar.push(best);
    if (trialsToThreshold === null && best >= THRESHOLD * objective.optimum) trialsToThreshold = trial;
    strategy.observe([{ choices: candidate.choices, fidelity: candidate.fidelity, reward: score }]);
  }
  return { best, bestSoFar, trialsToThreshold };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main(): void {
  const json = process.argv.includes('--json');
  const seeds = flag('seeds', 10);
  const trials = flag('trials', 300);
  const configs: StrategyConfig[] = [
    { name: 'random' },
    {
      name: 'reinforce',
      reinforce: { hidden: 64, learningRate: flag('lr', 0.01), batchSize: flag('batch', 5), baselineDecay: 0.95, entropyWeight: 1e-4, tanhConstant: 2.5 },
    },
    { name: 'evolution', evolution: { population: flag('population', 20), sample: flag('sample', 20) } },
  ];
  const results = configs.map((config) => {
    const started = performance.now();
    const runs = Array.from({ length: seeds }, (_, seed) => run(config, seed, trials));
    return { config, runs, seconds: (performance.now() - started) / 1000 };
  });
  // A finite second yardstick: per seed, trials until a strategy matches the best random found in the whole budget.
  const randomBests = results[0].runs.map((r) => r.best);
  const rows = results.map(({ config, runs, seconds }) => {
    const toRandomBest = median(runs.map((r, seed) => r.bestSoFar.findIndex((b) => b >= randomBests[seed]) + 1 || Infinity));
    const reachTrials = runs.map((r) => r.trialsToThreshold ?? Infinity);
    const medianTrials = median(reachTrials);
    return {
      strategy: config.name,
      hyperparameters: config.reinforce ?? config.evolution ?? {},
      meanBest: runs.reduce((a, r) => a + r.best, 0) / runs.length,
      medianTrialsTo90: Number.isFinite(medianTrials) ? medianTrials : null,
      reached90: runs.filter((r) => r.trialsToThreshold !== null).length,
      medianTrialsToMatchRandom: Number.isFinite(toRandomBest) ? toRandomBest : null,
      runs: runs.map((r) => ({ best: r.best, trialsTo90: r.trialsToThreshold })),
      seconds,
    };
  });
  const random = rows[0];
  const report = {
    space: nasnetSpace().id,
    objective: { ...SYNTHETIC, optimum: 1, threshold: THRESHOLD },
    seeds,
    trials,
    strategies: rows.map((row) => ({
      ...row,
      bestVsRandom: row.meanBest / random.meanBest,
      // Random's median trials divided by this strategy's: > 1 is faster; Infinity when random's median run never got there.
      speedupVsRandom: row.medianTrialsTo90 === null ? null : (random.medianTrialsTo90 ?? Infinity) / row.medianTrialsTo90,
      beatsRandom:
        row === random
          ? null
          : row.meanBest > random.meanBest &&
            row.medianTrialsTo90 !== null &&
            (random.medianTrialsTo90 === null || row.medianTrialsTo90 < random.medianTrialsTo90),
    })),
  };
  if (json) {
    console.log(JSON.stringify(report, (_k, v) => (v === Infinity ? 'Infinity' : v), 2));
    return;
  }
  console.log(`synthetic objective over ${report.space}: ${seeds} seeds x ${trials} trials, threshold ${THRESHOLD} x optimum`);
  console.log(`trials to match random: median over seeds of the trials needed to reach the best random found in ${trials} trials on that seed`);
  console.log('strategy   mean best  vs random  median trials to 90%  reached  speed-up  beats random  trials to match random  seconds  hyperparameters');
  for (const s of report.strategies) {
    console.log(
      [
        s.strategy.padEnd(9),
        s.meanBest.toFixed(4).padStart(10),
        s.bestVsRandom.toFixed(3).padStart(10),
        String(s.medianTrialsTo90 ?? 'never').padStart(21),
        `${s.reached90}/${seeds}`.padStart(8),
        (s.speedupVsRandom === null ? '-' : s.speedupVsRandom === Infinity ? 'inf' : s.speedupVsRandom.toFixed(2)).padStart(9),
        String(s.beatsRandom ?? '-').padStart(13),
        String(s.medianTrialsToMatchRandom ?? 'never').padStart(23),
        s.seconds.toFixed(1).padStart(8),
        ` ${JSON.stringify(s.hyperparameters)}`,
      ].join(' '),
    );
  }
}

main();
