/**
 * The strategy comparison of `npm run bench:strategies`, defined once for both of its modes: the
 * search requests (built by the CLI's own parser, as `nas search start` would), the reward each
 * candidate earns (the simulated trainer's validation accuracy without noise: search/simulated-
 * training.ts over the synthetic objective), and the score a study ranks by (the synthetic
 * quality of the architecture, 1 at the optimum).
 *
 * In process, a strategy sees results exactly as the search workflow feeds them
 * (search/proposal-window.ts): before candidate i, the first i - window results in trial order.
 * So the in-process run and the real search of the same request propose the same candidates.
 */
import { architectureHash } from '../cells/architecture.ts';
import type { DecisionSpace } from '../contracts/genotypes.ts';
import { parseCommandLine } from '../cli/command-line.ts';
import { searchRequestFromFlags } from '../cli/search-request.ts';
import { protocolForFidelity } from '../contracts/fidelity.ts';
import { proposalWindow, resultsBeforeProposal } from '../search/proposal-window.ts';
import type { SearchRequest } from '../search/request.ts';
import { simulateTraining } from '../search/simulated-training.ts';
import { makeDecisionSpace } from '../search/spaces.ts';
import { createStrategy } from '../search/strategies/index.ts';
import type { Observation } from '../search/strategies/types.ts';
import { syntheticObjective } from '../search/synthetic-objective.ts';

export interface StudyArm {
  label: string;
  flags: string[];
}

export function studyArms(options: { lr: number; batch: number; population: number; sample: number }): StudyArm[] {
  return [
    { label: 'random', flags: ['--strategy', 'random'] },
    {
      label: 'reinforce',
      flags: [
        '--strategy',
        'reinforce',
        '--controller-lr',
        String(options.lr),
        '--controller-batch',
        String(options.batch),
      ],
    },
    {
      label: 'evolution',
      flags: [
        '--strategy',
        'evolution',
        '--population',
        String(options.population),
        '--tournament',
        String(options.sample),
      ],
    },
    { label: 'halving', flags: ['--strategy', 'random', '--halving-levels', '3', '--halving-eta', '3'] },
  ];
}

export function studyRequest(arm: StudyArm, seed: number, trials: number, parallel: number): SearchRequest {
  const argv = [
    'search',
    'start',
    '--id',
    `study-${arm.label}-s${seed}`,
    '--backend',
    'simulated',
    '--space',
    'nasnet',
    ...arm.flags,
  ];
  argv.push('--seed', String(seed), '--trials', String(trials), '--parallel', String(parallel));
  return searchRequestFromFlags(parseCommandLine(argv).input.flags, { checkData: false });
}

/** Scores and rewards of one landscape: the simulated trainer's with NAS_SIMULATED_SEED = seed and no noise. */
export class Landscape {
  readonly space: DecisionSpace;
  private readonly objective;

  private readonly request: SearchRequest;
  private readonly seed: number;
  constructor(request: SearchRequest, seed: number) {
    this.request = request;
    this.seed = seed;
    this.space = makeDecisionSpace(request.space);
    this.objective = syntheticObjective(this.space, seed);
  }

  score(choices: readonly number[]): number {
    return this.objective.score(choices);
  }

  reward(choices: number[], fidelity: number): number {
    const architecture = this.space.decode(choices);
    const protocol = protocolForFidelity(this.request.protocol, fidelity, this.request.strategy.halving ?? null);
    const settings = { epochMs: 0, macsPerSecond: null, noise: 0, seed: this.seed };
    const { epochs } = simulateTraining(
      { architecture, archHash: architectureHash(architecture), protocol, trainingSeed: protocol.seed, flops: 0 },
      settings,
    );
    return epochs[epochs.length - 1].valAccuracy;
  }
}

/** Scores of the candidates in trial order, as the search workflow would propose them. */
export function runInProcess(request: SearchRequest, landscape: Landscape): number[] {
  const strategy = createStrategy(request.strategy, landscape.space, request.seed);
  const window = proposalWindow(request.strategy);
  const results: Observation[] = [];
  const scores: number[] = [];
  let observed = 0;
  for (let index = 0; index < request.trials; index++) {
    const due = window === Infinity ? results.length : resultsBeforeProposal(window, index);
    if (due > observed) strategy.observe(results.slice(observed, (observed = due)));
    const [candidate] = strategy.propose(1);
    if (!candidate) throw new Error(`${request.searchId} proposed nothing at trial ${index}`);
    results.push({
      choices: candidate.choices,
      fidelity: candidate.fidelity,
      reward: landscape.reward(candidate.choices, candidate.fidelity),
    });
    scores.push(landscape.score(candidate.choices));
  }
  return scores;
}

export interface RunSummary {
  best: number;
  /** Best score after each trial. */
  bestSoFar: number[];
  /** Trials until the best score first reached the threshold; null if never. */
  trialsToThreshold: number | null;
}

export function summarise(scores: number[], threshold: number): RunSummary {
  const bestSoFar: number[] = [];
  let best = -Infinity;
  for (const s of scores) bestSoFar.push((best = Math.max(best, s)));
  const reached = bestSoFar.findIndex((b) => b >= threshold);
  return { best, bestSoFar, trialsToThreshold: reached < 0 ? null : reached + 1 };
}
