/**
 * The command line is defined once (cli/definitions/): every command's --help comes from the
 * same definition that parses it, so it names every flag the command accepts; bad flags are one
 * line and exit 2 before anything starts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from './support/csv.ts';
import { createProgram, leafCommands } from '../cli/program.ts';
import { commandPath } from '../cli/usage-errors.ts';
import { createPostgresTestDatabase } from '../harness/postgres-database.ts';
import { runCli } from './support/run-cli.ts';
import { seedSearchList } from './support/search-list-fixture.ts';

const program = createProgram();
const words = (command: Command) => commandPath(command).split(' ').slice(1);
const everyCommand = (command: Command): Command[] => [command, ...command.commands.flatMap(everyCommand)];
const leaves = leafCommands(program);

describe('nas --help', () => {
  it('lists every command that exists, each with its summary, and the exit codes', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const leaf of leaves) expect(stdout).toContain(`${commandPath(leaf)} `);
    expect(leaves.map((leaf) => words(leaf).join(' '))).toEqual(
      expect.arrayContaining([
        'search start',
        'search status',
        'search stop',
        'search pause',
        'search resume',
        'search scale',
        'search finalize',
        'search fidelity',
        'search list',
        'leaderboard',
        'baselines list',
        'baselines train',
        'cells show',
        'scaling start',
        'scaling report',
        'dev',
        'worker',
        'db migrate',
      ]),
    );
    expect(stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}130 /);
  });

  it.each(
    everyCommand(program)
      .slice(1)
      .map((command) => [words(command).join(' '), command] as const),
  )('nas %s --help exits 0 and names every flag it accepts', async (_, command) => {
    const { code, stdout, stderr } = await runCli([...words(command), '--help']);
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain(`Usage: ${commandPath(command)}`);
    for (const option of command.options) expect(stdout).toContain(option.long!);
    for (const sub of command.commands) expect(stdout).toContain(sub.name());
    if (command.commands.length === 0) expect(stdout).toMatch(/Example:\n {2}\$ (\w+=\S+ )*nas /);
  });

  it('--version prints the version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('-h is --help; `nas help <command>` too', async () => {
    const long = await runCli(['search', 'start', '--help']);
    expect(await runCli(['search', 'start', '-h'])).toEqual(long);
    expect((await runCli(['help', 'leaderboard'])).stdout).toBe((await runCli(['leaderboard', '--help'])).stdout);
    const start = (await runCli(['search', 'start', '--help'])).stdout;
    expect(start).toMatch(/^Usage: nas search start /);
    expect((await runCli(['help', 'search', 'start'])).stdout).toBe(start);
    expect((await runCli(['search', 'help', 'start'])).stdout).toBe(start);
    const leaderboard = (await runCli(['leaderboard', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(leaderboard).toContain('--pareto <cost> show only the Pareto front: the rows that no other row');
  });

  it('documents the exit codes of --wait on every command that has it', async () => {
    for (const leaf of leaves.filter((c) => c.options.some((o) => o.long === '--wait'))) {
      const { stdout } = await runCli([...words(leaf), '--help']);
      expect(stdout, commandPath(leaf)).toMatch(
        /Exit codes with --wait:\n {2}0 {4}the .* finished \(failed or diverged trials are results in its table\)\n {2}1 {4}the .* ended failed or stopped\n {2}130 /,
      );
    }
  });

  it('a missing command shows the help on stderr with exit 2', async () => {
    for (const argv of [[], ['search']]) {
      const { code, stdout, stderr } = await runCli(argv);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain('Usage: nas');
    }
  });
});

describe('bad command lines: one line on stderr, exit 2', () => {
  const oneLine = async (argv: string[]) => {
    const { code, stdout, stderr } = await runCli(argv);
    expect(code, stderr).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.endsWith('\n') && stderr.trimEnd().split('\n')).toHaveLength(1);
    return stderr.trimEnd();
  };

  it.each(leaves.map((leaf) => [words(leaf).join(' '), leaf] as const))(
    'nas %s --no-such-flag names the flag',
    async (_, leaf) => {
      expect(await oneLine([...words(leaf), '--no-such-flag', 'x'])).toBe(
        `nas: --no-such-flag: unknown flag of ${commandPath(leaf)}; \`${commandPath(leaf)} --help\` lists them`,
      );
    },
  );

  it('suggests the flag or command meant', async () => {
    expect(await oneLine(['search', 'start', '--trial', '3'])).toMatch(
      /^nas: --trial: unknown flag of nas search start \(did you mean --trials\?\)/,
    );
    expect(await oneLine(['search', 'statu', 'x'])).toBe(
      'nas: search statu: unknown command (did you mean status?); known: start, status, stop, pause, resume, scale, finalize, fidelity, list',
    );
  });

  it('names a missing argument or value, extra arguments and clashing flags', async () => {
    expect(await oneLine(['search', 'status'])).toBe('nas: <search-id>: is required: nas search status <search-id>');
    expect(await oneLine(['search', 'start', '--trials'])).toBe('nas: --trials: needs a value <n>');
    expect(await oneLine(['search', 'scale', 'a', '2', '3'])).toMatch(
      /^nas: search scale: takes 2 argument\(s\), got 3/,
    );
    expect(await oneLine(['baselines', 'list', '--json', '--format', 'csv'])).toBe(
      'nas: --json: cannot be used with --format',
    );
  });

  it("keeps the request builders' own messages for values", async () => {
    expect(await oneLine(['search', 'start', '--strategy', 'greedy'])).toBe(
      'nas: --strategy: must be one of random, reinforce, evolution, enas, got "greedy"',
    );
    expect(await oneLine(['search', 'start', '--finalize-epochs', '2'])).toBe(
      'nas: --finalize-epochs: applies with --finalize-top K only',
    );
    expect(await oneLine(['leaderboard', '--search', 'x', '--format', 'yaml'])).toBe(
      'nas: --format: must be one of table, json, csv, markdown, got "yaml"',
    );
  });
});

describe('node cli/nas.mjs', () => {
  const NAS = fileURLToPath(new URL('../cli/nas.mjs', import.meta.url));
  const nas = (...argv: string[]) => spawnSync(process.execPath, [NAS, ...argv], { encoding: 'utf8', timeout: 60_000 });

  it('prints help to stdout with exit 0, and one line with exit 2 for an unknown flag', () => {
    const help = nas('search', 'start', '--help');
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('--finalize-train-size <n>');
    const bad = nas('search', 'start', '--no-such-flag');
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(
      'nas: --no-such-flag: unknown flag of nas search start; `nas search start --help` lists them\n',
    );
  });
});

describe('reading commands on a seeded database: data on stdout in every format', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
  const home = mkdtempSync(join(tmpdir(), 'nas-search-list-'));
  const saved = {
    DATABASE_URL: process.env.DATABASE_URL,
    NAS_HOME: process.env.NAS_HOME,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
  };

  beforeAll(async () => {
    database = await createPostgresTestDatabase();
    await seedSearchList(database.db);
    process.env.DATABASE_URL = database.url;
    process.env.NAS_HOME = join(home, 'home');
    delete process.env.TEMPORAL_ADDRESS;
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await database?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('prints every run of the results database, newest first, as a table', async () => {
    const { code, stdout, stderr } = await runCli(['search', 'list']);
    expect(code, stderr).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual([
      'id              kind       status   strategy  trials  best val acc  created (UTC)',
      'list-scaling    scaling    running  -           0/22             -  2026-01-04 10:00',
      'list-final      final      running  -           0/10             -  2026-01-03 10:00',
      'list-baselines  baselines  running  -           1/10             -  2026-01-02 10:00',
      'list-search     search     running  random      4/10        85.00%  2026-01-01 10:00',
    ]);
  });

  it('as JSON and CSV, with the same fields', async () => {
    const json = await runCli(['search', 'list', '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.id)).toEqual(['list-scaling', 'list-final', 'list-baselines', 'list-search']);
    expect(rows[3]).toMatchObject({
      kind: 'search',
      status: 'running',
      strategy: 'random',
      trialsDone: 4,
      trialsPlanned: 10,
      createdAt: '2026-01-01T10:00:00.000Z',
    });
    expect(rows[3].bestValAccuracy).toBe(0.85);
    const csv = await runCli(['search', 'list', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe(
      'id,kind,status,strategy,trialsDone,trialsPlanned,bestValAccuracy,createdAt',
    );
  });

  it('search status: the report as text, --format json (or --json), one CSV row', async () => {
    const text = await runCli(['search', 'status', 'list-search']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('recorded: 5 trials (1 queued, 2 succeeded, 1 diverged, 1 reused)');
    expect(text.stdout).toContain('best: list-search/1 val acc 85.00%');
    const json = await runCli(['search', 'status', 'list-search', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      live: null,
      stored: { total: 5, best: { trialId: 'list-search/1' } },
    });
    expect((await runCli(['search', 'status', 'list-search', '--json'])).stdout).toBe(json.stdout);
    const csv = (await runCli(['search', 'status', 'list-search', '--format', 'csv'])).stdout.trimEnd().split('\n');
    expect(csv).toHaveLength(2);
    const [status] = parseCsv(csv.join('\n'));
    expect(status).toMatchObject({
      searchId: 'list-search',
      status: 'running',
      total: '5',
      'counts.queued': '1',
      'counts.succeeded': '2',
      'counts.diverged': '1',
      'best.trialId': 'list-search/1',
      'best.valAccuracy': '0.85',
    });
  });

  it('leaderboard and baselines list', async () => {
    const board = await runCli(['leaderboard', '--search', 'list-search', '--format', 'json']);
    expect(board.code, board.stderr).toBe(0);
    expect((JSON.parse(board.stdout) as Array<{ trialId: string }>).map((r) => r.trialId)).toEqual([
      'list-search/1',
      'list-search/0',
    ]);
    const baselines = await runCli(['baselines', 'list', '--format', 'csv']);
    expect(baselines.code, baselines.stderr).toBe(0);
    const lenet = parseCsv(baselines.stdout).find((r) => r.name === 'lenet5');
    expect(lenet).toMatchObject({ family: 'baseline', input: '28x28x1', classes: '10', params: '61706' });
    expect(baselines.stdout.split('\n')[0]).not.toMatch(/ /);
    expect((await runCli(['baselines', 'list', '--json'])).stdout).toBe(
      (await runCli(['baselines', 'list', '--format', 'json'])).stdout,
    );
  });
});
