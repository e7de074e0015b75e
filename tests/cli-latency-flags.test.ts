/** `nas search start` flags of the latency budget and reward and of kept weights: the request they build, and bad input. */
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../cli/command-line.ts';
import { searchRequestFromFlags } from '../cli/search-request.ts';
import { badInputLine } from './support/run-cli.ts';

const request = (...argv: string[]) =>
  searchRequestFromFlags(parseCommandLine(['search', 'start', '--id', 'latency-flags', ...argv]).input.flags, {
    checkData: false,
  });

describe('latency flags', () => {
  it('--reward mnas --mnas-cost latency --mnas-target 5 --max-latency 12.5 builds the latency reward and budget', () => {
    const built = request('--reward', 'mnas', '--mnas-cost', 'latency', '--mnas-target', '5', '--max-latency', '12.5');
    expect(built.reward).toEqual({ objective: 'mnas', cost: 'latency', target: 5, w: -0.07 });
    expect(built.budget).toEqual({ maxLatencyMs: 12.5 });
  });

  it('refuses a --max-latency that is not a positive number, naming the flag (exit 2, one line)', async () => {
    for (const value of ['0', '-3', 'fast']) {
      expect(await badInputLine(['search', 'start', '--max-latency', value])).toBe(
        `nas: --max-latency: must be a positive number, got "${value}"`,
      );
    }
  });

  it('refuses --mnas-cost latency without --mnas-target, saying what to add', async () => {
    expect(await badInputLine(['search', 'start', '--reward', 'mnas', '--mnas-cost', 'latency'])).toBe(
      'nas: --mnas-target: is required with --reward mnas: add the target cost T (milliseconds at batch 1 on the trainer, e.g. --mnas-target 5)',
    );
  });

  it('refuses a latency reward or budget on the simulated trainer without NAS_SIMULATED_MACS_PER_SECOND', async () => {
    const saved = process.env.NAS_SIMULATED_MACS_PER_SECOND;
    delete process.env.NAS_SIMULATED_MACS_PER_SECOND;
    try {
      expect(await badInputLine(['search', 'start', '--backend', 'simulated', '--max-latency', '5'])).toMatch(
        /^nas: --backend: simulated reports no latency without NAS_SIMULATED_MACS_PER_SECOND: set it/,
      );
      process.env.NAS_SIMULATED_MACS_PER_SECOND = '1e9';
      expect(request('--backend', 'simulated', '--max-latency', '5').budget).toEqual({ maxLatencyMs: 5 });
    } finally {
      if (saved === undefined) delete process.env.NAS_SIMULATED_MACS_PER_SECOND;
      else process.env.NAS_SIMULATED_MACS_PER_SECOND = saved;
    }
  });
});

describe('--keep-weights', () => {
  it('is stored only as all; none is the default and leaves the request as without the flag', () => {
    expect(request('--keep-weights', 'all').keepWeights).toBe('all');
    expect(request('--keep-weights', 'none')).toEqual(request());
    expect(request().keepWeights).toBeUndefined();
  });

  it('refuses another value, naming the allowed ones', async () => {
    expect(await badInputLine(['search', 'start', '--keep-weights', 'top:3'])).toMatch(
      /^nas: --keep-weights: .*none.*all/,
    );
  });
});
