/**
 * createPglite holds V8's optimizing compiler back from Postgres's WebAssembly (seconds of CPU and
 * 600 MB per `nas` command otherwise) and leaves it to every module compiled later: the training
 * kernels must still be optimized.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { V8_DEFAULT_WASM_TIERING_BUDGET } from '../db/pglite-create.ts';

const CHILD = fileURLToPath(new URL('./support/tier-up-child.ts', import.meta.url));
const OPTIMIZED = /^Compiled function (0x[0-9a-f]+)#\d+ using TurboFan/;
const COMPILED = /^Compiled function (0x[0-9a-f]+)#/;
const OPENING_MARKER = 'opening the database';
const TRAINING_MARKER = 'database queried, training';

describe('createPglite', () => {
  it('restores the tiering budget this Node starts with', () => {
    const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
    const [, budget] = /--wasm-tiering-budget=(\d+)/.exec(options) ?? [];
    expect(Number(budget)).toBe(V8_DEFAULT_WASM_TIERING_BUDGET);
  });

  it("optimizes none of Postgres's functions while a command opens and queries a home, and still optimizes the training kernels compiled after", () => {
    const run = spawnSync(process.execPath, ['--trace-wasm-compilation-times', CHILD], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DATABASE_URL: '' },
    });
    expect(run.status, run.stderr).toBe(0);
    // V8 writes its trace through its own buffer: the child's marker can land inside a line of it.
    const opening = run.stdout.indexOf(OPENING_MARKER);
    const marker = run.stdout.indexOf(TRAINING_MARKER);
    expect(opening, 'the child started').toBeGreaterThanOrEqual(0);
    expect(marker, 'the child opened the database').toBeGreaterThan(opening);
    const lines = run.stdout.split('\n');
    const compiledIn = (text: string) => new Set(text.split('\n').flatMap((line) => COMPILED.exec(line)?.[1] ?? []));
    const nodes = compiledIn(run.stdout.slice(0, opening));
    const postgresModules = new Set([...compiledIn(run.stdout.slice(opening, marker))].filter((m) => !nodes.has(m)));
    const optimized = lines.flatMap((line) => OPTIMIZED.exec(line)?.[1] ?? []);
    expect(postgresModules.size).toBeGreaterThan(0);
    expect(optimized.filter((module) => postgresModules.has(module))).toEqual([]);
    expect(optimized.length, 'the training kernels were optimized').toBeGreaterThan(0);
  });
});
