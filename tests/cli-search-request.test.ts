/** `nas search start` flags become a SearchRequest; wrong flags name themselves and the fix. */
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../cli/args';
import { SEARCH_START_FLAGS, searchRequestFromFlags } from '../cli/search-request';

const request = (...argv: string[]) => searchRequestFromFlags(parseFlags(argv, SEARCH_START_FLAGS).flags);

describe('search start flags', () => {
  it('passes controller hyperparameters to REINFORCE', () => {
    const { strategy } = request('--strategy', 'reinforce', '--controller-lr', '0.01', '--controller-batch', '4');
    expect(strategy.reinforce).toEqual({ learningRate: 0.01, batchSize: 4 });
  });

  it('passes population and tournament size to evolution', () => {
    const { strategy } = request('--strategy', 'evolution', '--population', '8', '--tournament', '3');
    expect(strategy.evolution).toEqual({ population: 8, sample: 3 });
  });

  it('leaves the strategies at their defaults without those flags', () => {
    const { strategy } = request('--strategy', 'reinforce');
    expect(strategy.reinforce).toBeUndefined();
    expect(strategy.evolution).toBeUndefined();
  });

  it.each([
    [['--strategy', 'random', '--controller-lr', '0.01'], /--controller-lr: applies to --strategy reinforce only/],
    [['--strategy', 'reinforce', '--population', '8'], /--population: applies to --strategy evolution only/],
    [['--strategy', 'reinforce', '--controller-batch', '0'], /--controller-batch/],
    [['--strategy', 'evolution', '--population', '4', '--tournament', '5'], /--tournament: must be at most --population \(4\)/],
  ])('rejects %j', (argv, message) => {
    expect(() => request(...argv)).toThrow(message);
  });
});
