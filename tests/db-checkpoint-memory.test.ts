/**
 * A large checkpoint through PGlite in a process with a 384 MB V8 heap. PGlite turns a bytea
 * parameter into one JavaScript string per byte: a 20 MB checkpoint then exhausted a 512 MB heap,
 * and in a long-lived embedded stack it left the event loop in garbage collection for minutes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./support/large-checkpoint.ts', import.meta.url));

describe('checkpoints on PGlite', () => {
  it('round-trips a 20 MB checkpoint within a 384 MB heap', () => {
    const run = spawnSync(process.execPath, ['--max-old-space-size=384', SCRIPT, '20'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toMatch(/^round-trip 20000000 \d+/m);
  }, 130_000);
});
