/**
 * `nas reference build|status|export` on the embedded stack (a real Temporal dev server, PGlite)
 * with the simulated trainer: a build killed in the middle resumes and trains nothing twice; its
 * export, imported into a fresh home, makes a build there that trains nothing; the same seed draws
 * the same architectures (and the simulated trainer gives them the same accuracies) at another
 * size and parallelism.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectureHash } from '../cells/index.ts';
import { openDatabase } from '../db/client.ts';
import { trials } from '../db/schema.ts';
import { runNas, startNas, waitFor } from '../harness/processes.ts';
import type { ReferenceSummaryRow } from '../cli/reference-summary.ts';
import { protocolHash } from '../contracts/protocol.ts';
import { cheapProtocol, referenceArchitectures, referenceIdOf, referenceProtocol } from '../search/reference.ts';
import { parseReferenceFile, type ReferenceFile } from '../search/reference-file.ts';

const build = (...more: string[]) => ['reference', 'build', '--backend', 'simulated', '--seed', '3', ...more, '--wait'];

describe('nas reference build --backend simulated', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'nas-reference-'));
  });
  afterAll(() => {
    if (home) rmSync(home, { recursive: true, force: true });
  });
  const env = (name: string) => ({
    NAS_HOME: join(home, name),
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    NAS_DATA_DIR: join(home, 'no-dataset'),
    NAS_SIMULATED_EPOCH_MS: '2000',
  });
  const measured = async (name: string): Promise<number> => {
    const status = await runNas(['reference', 'status', '--format', 'json'], env(name));
    if (status.code !== 0) return 0;
    return (JSON.parse(status.stdout) as ReferenceSummaryRow[]).reduce((sum, row) => sum + row.measured, 0);
  };
  const exported = async (name: string): Promise<{ file: ReferenceFile; path: string }> => {
    const path = join(home, `${name}.json`);
    const run = await runNas(['reference', 'export', '--out', path], env(name));
    expect(run.code, run.stderr).toBe(0);
    return { file: parseReferenceFile(readFileSync(path, 'utf8')), path };
  };
  /** The home's trials of the build, read once its owner has exited. */
  const trialsOf = async (name: string, searchId: string) => {
    const handle = await openDatabase({ url: '', dataDir: join(home, name, 'pglite') });
    try {
      return await handle.db.select().from(trials).where(eq(trials.searchId, searchId)).orderBy(trials.trialIndex);
    } finally {
      await handle.close();
    }
  };
  let first: ReferenceFile;
  let firstPath: string;

  it('killed in the middle, resumes where it stopped and trains every training once; the export holds the documented fields', async () => {
    const argv = build('--architectures', '6', '--second-seed', '2', '--parallel', '2', '--import', 'none');
    const killed = startNas(argv, env('a'));
    await waitFor(async () => (await measured('a')) >= 4, 120_000, 'four trainings of the build');
    killed.child.kill('SIGKILL');
    await killed.done;
    const before = await trialsOf('a', (await exported('a')).file.referenceId);
    const doneBefore = before.filter((t) => t.status === 'succeeded');
    expect(doneBefore.length).toBeGreaterThanOrEqual(4);
    expect(doneBefore.length).toBeLessThan(14);

    // The same request at another parallelism follows the open run and sets its parallelism.
    const resumed = await runNas([...argv, '--parallel', '3', '--format', 'json'], env('a'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/is already running; following it, now 3 at once/);
    expect(resumed.stderr).not.toMatch(/started:/);
    const rows = JSON.parse(resumed.stdout) as ReferenceSummaryRow[];
    expect(rows.map((r) => [r.training, r.measured, r.planned])).toEqual([
      ['reference', 6, 6],
      ['cheap', 6, 6],
      ['reference-seed2', 2, 2],
    ]);

    ({ file: first, path: firstPath } = await exported('a'));
    const referenceId = first.referenceId;
    const after = await trialsOf('a', referenceId);
    expect(after).toHaveLength(14);
    expect(after.every((t) => t.status === 'succeeded' && t.reusedFrom === null)).toBe(true);
    // What had finished before the kill was not trained again.
    for (const t of doneBefore)
      expect(after.find((u) => u.id === t.id)).toMatchObject({ attempts: t.attempts, finishedAt: t.finishedAt });
    expect(after.filter((t) => t.attempts > 1).length).toBeLessThanOrEqual(2);

    // The documented fields: the draw of seed 3, both protocols with their hashes, seeds, costs, accuracies, CPU time.
    expect(first.architectures.map((a) => a.hash)).toEqual(referenceArchitectures(3, 6).map(architectureHash));
    expect(first.protocols.reference).toMatchObject({ hash: protocolHash(referenceProtocol(3)), steps: 375 });
    expect(first.protocols.cheap).toMatchObject({ hash: protocolHash(cheapProtocol(3)), steps: 125 });
    expect(first.rebuild[0]).toBe('npx nas reference build --architectures 6 --second-seed 2 --seed 3 --wait');
    for (const [i, a] of first.architectures.entries()) {
      expect(a.index).toBe(i);
      expect(a.params).toBeGreaterThan(0);
      expect(a.flops).toBeGreaterThan(0);
      expect(a.trainings.map((t) => [t.training, t.seed])).toEqual(
        i < 2
          ? [
              ['reference', 3],
              ['cheap', 3],
              ['reference-seed2', 4],
            ]
          : [
              ['reference', 3],
              ['cheap', 3],
            ],
      );
      for (const t of a.trainings) {
        expect(t.protocolHash).toBe(
          t.training === 'cheap' ? first.protocols.cheap.hash : first.protocols.reference.hash,
        );
        expect(t.valAccuracy! > 0.1 && t.valAccuracy! < 1 && t.testAccuracy! > 0.1).toBe(true);
        expect(t.cpuSeconds).toBe(2);
        expect(t.backend).toBe('simulated');
      }
    }
    expect(first.cpu).toEqual({ seconds: 28, trainings: 14, unmeasured: 0 });
  }, 300_000);

  it('from the exported file in a fresh home, a build trains nothing and exports the same measurements', async () => {
    const run = await runNas(build('--architectures', '6', '--second-seed', '2', '--import', firstPath), env('b'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/imported 14 training\(s\) of .* \(0 already here\)/);
    const { file } = await exported('b');
    expect(file.architectures).toEqual(first.architectures);
    const built = await trialsOf('b', file.referenceId);
    expect(built).toHaveLength(14);
    expect(built.every((t) => t.status === 'reused' && t.reusedFrom!.startsWith('reference-import-s3-'))).toBe(true);

    // Importing again adds nothing; a larger build trains only what is new.
    const larger = await runNas(
      build('--architectures', '7', '--second-seed', '2', '--import', firstPath, '--format', 'json'),
      env('b'),
    );
    expect(larger.code, larger.stderr).toBe(0);
    expect(larger.stderr).toMatch(/imported 0 training\(s\) of .* \(14 already here\)/);
    const handle = await openDatabase({ url: '', dataDir: join(home, 'b', 'pglite') });
    try {
      const trained = await handle.db
        .select()
        .from(trials)
        .where(and(eq(trials.status, 'succeeded'), isNull(trials.reusedFrom), eq(trials.backend, 'simulated')));
      // Only architecture 6's reference and cheap trainings were trained here (imported rows carry the file's backend too, not this worker's).
      expect(trained.filter((t) => t.worker !== 'imported from nas-reference-set/1')).toHaveLength(2);
    } finally {
      await handle.close();
    }
  }, 300_000);

  it('the same seed draws the same architectures at another size and parallelism, with the same simulated results', async () => {
    const run = await runNas(build('--architectures', '3', '--second-seed', '1', '--import', 'none'), env('c'));
    expect(run.code, run.stderr).toBe(0);
    const { file } = await exported('c');
    expect(file.architectures).toEqual(
      first.architectures
        .slice(0, 3)
        .map((a, i) => ({ ...a, trainings: i < 1 ? a.trainings : a.trainings.slice(0, 2) })),
    );
  }, 300_000);

  it('stopped in the middle, the same command continues it as <id>-r2 and trains only what the stop left untrained', async () => {
    const argv = build('--architectures', '4', '--second-seed', '1', '--import', 'none');
    const referenceId = referenceIdOf({
      seed: 3,
      architectures: 4,
      secondSeed: 1,
      reference: referenceProtocol(3),
      cheap: cheapProtocol(3),
    });
    const running = startNas(argv, env('e'));
    await waitFor(async () => (await measured('e')) >= 2, 120_000, 'two trainings of the build');
    const stop = await runNas(['search', 'stop', referenceId], env('e'));
    expect(stop.code, stop.stderr).toBe(0);
    expect((await running.done).code).toBe(1);

    const again = await runNas(argv, env('e'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`reference build ${referenceId} stopped; continuing it as a new run`));
    const { file } = await exported('e');
    expect(file.referenceId).toBe(`${referenceId}-r2`);
    expect(file.architectures.map((a) => a.trainings.length)).toEqual([3, 2, 2, 2]);
    const stopped = await trialsOf('e', referenceId);
    const continued = await trialsOf('e', `${referenceId}-r2`);
    const trainedBefore = stopped.filter((t) => t.status === 'succeeded');
    expect(trainedBefore.length).toBeGreaterThanOrEqual(2);
    expect(stopped.some((t) => t.status === 'cancelled') || stopped.length < 9).toBe(true);
    // Every training done once: what the stopped run finished is reused, the rest trained by the new run.
    expect(
      continued
        .filter((t) => t.status === 'reused')
        .map((t) => t.reusedFrom)
        .sort(),
    ).toEqual(trainedBefore.map((t) => t.id).sort());
    expect(continued.filter((t) => t.status === 'succeeded')).toHaveLength(9 - trainedBefore.length);
  }, 300_000);

  it('refuses bad input with one line and exit 2', async () => {
    const bad = await runNas(['reference', 'build', '--architectures', '0'], env('d'));
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^nas: --architectures: /);
    const second = await runNas(['reference', 'build', '--architectures', '5', '--second-seed', '6'], env('d'));
    expect(second.code).toBe(2);
    expect(second.stderr.trim()).toMatch(/^nas: --second-seed: .*at most --architectures/);
    const file = await runNas(
      ['reference', 'build', '--backend', 'simulated', '--import', join(home, 'missing.json'), '--wait'],
      env('d'),
    );
    expect(file.code).toBe(2);
    expect(file.stderr.trim()).toMatch(/^nas: --import: .*missing\.json: cannot read it \(ENOENT\)$/);
  }, 60_000);
});

describe('nas reference build --help', () => {
  it('shows the defaults the request builder applies', async () => {
    const { parseCommandLine } = await import('../cli/command-line.ts');
    const { createProgram } = await import('../cli/program.ts');
    const { referenceRequestFromFlags } = await import('../cli/commands/reference.ts');
    const build = createProgram()
      .commands.find((c) => c.name() === 'reference')!
      .commands.find((c) => c.name() === 'build')!;
    const shown = build.options.filter((o) => o.defaultValue !== undefined && o.defaultValueDescription === undefined);
    expect(shown.map((o) => o.long)).toEqual(
      expect.arrayContaining(['--architectures', '--second-seed', '--seed', '--parallel']),
    );
    const request = (...argv: string[]) =>
      referenceRequestFromFlags(parseCommandLine(['reference', 'build', ...argv]).input.flags);
    for (const option of shown)
      expect(request(`${option.long}=${String(option.defaultValue)}`), option.long).toEqual(request());
    expect(request()).toMatchObject({ seed: 7, architectures: 100, secondSeed: 30, parallel: 1 });
  });
});
