/**
 * Every refusal carries its exit code (contracts/refusal.ts) and `nas` exits with it, whatever
 * its message says: bad settings of the environment are refused like bad flags.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Interrupted } from '../cli/follow.ts';
import { GenotypeError } from '../contracts/genotypes.ts';
import { Refusal, SettingError } from '../contracts/refusal.ts';
import { RequestError } from '../contracts/request-error.ts';
import { badInputLine } from './support/run-cli.ts';

describe('refusal classes', () => {
  it('carry exit 2 for bad input and 130 for Ctrl-C', () => {
    const refusals = [
      new RequestError('--trials', 'must be a positive integer, got 0'),
      new GenotypeError('normal[0].op', 'is not an op'),
      new SettingError('TEMPORAL_ADDRESS is not set'),
    ];
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(Refusal);
      expect(refusal.exitCode, refusal.name).toBe(2);
    }
    expect(new Interrupted('stopped following').exitCode).toBe(130);
  });
});

describe('bad settings of the environment: one line, exit 2', () => {
  const saved = { DATABASE_URL: process.env.DATABASE_URL, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('a DATABASE_URL of another scheme', async () => {
    process.env.DATABASE_URL = 'mysql://root@127.0.0.1/nas';
    expect(await badInputLine(['search', 'list'])).toMatch(/^nas: DATABASE_URL: unsupported scheme 'mysql:'/);
  });

  it('a TEMPORAL_ADDRESS that is not host:port', async () => {
    process.env.TEMPORAL_ADDRESS = '127.0.0.1:99999';
    expect(await badInputLine(['search', 'status', 'some-search'])).toMatch(
      /^nas: TEMPORAL_ADDRESS=127\.0\.0\.1:99999 is not host:port/,
    );
  });
});
