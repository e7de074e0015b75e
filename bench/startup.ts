/**
 * What one `nas` process costs before it does any work: CPU seconds (user + system, all threads)
 * of loading drizzle-orm as ES modules and through its CommonJS build (db/drizzle-as-commonjs.mjs),
 * and of whole `nas` commands that do next to nothing, without a database and on a home with an
 * empty one. Every command pays these, and the tests run hundreds of commands. Each figure is the
 * median of --repeats processes.
 *
 *   npm run bench:startup [-- --repeats 5] [--json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const NAS = fileURLToPath(new URL('../cli/nas.mjs', import.meta.url));
const COMMONJS_HOOK = fileURLToPath(new URL('../db/drizzle-as-commonjs.mjs', import.meta.url));
const LOAD_DRIZZLE = [
  "await import('drizzle-orm');",
  "await import('drizzle-orm/pg-core');",
  "await import('drizzle-orm/postgres-js');",
  "await import('drizzle-orm/pglite');",
].join(' ');

const { values } = parseArgs({
  options: { repeats: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } },
});
const repeats = Number(values.repeats);
if (!Number.isInteger(repeats) || repeats < 1) {
  console.error('bench:startup: --repeats must be a positive integer');
  process.exit(2);
}

/**
 * The CPU time of one whole process, as bash's `times` reports its waited-for children: it also
 * counts what V8's background threads spend after the process's `exit` event (a WebAssembly
 * function still being optimized), which process.cpuUsage() in the process itself cannot.
 */
function cpuSeconds(args: string[], env: NodeJS.ProcessEnv): number {
  const script = '"$@" >/dev/null 2>&1; times';
  const run = spawnSync('bash', ['-c', script, 'bash', process.execPath, ...args], { env, encoding: 'utf8' });
  const children = run.stdout.trim().split('\n').at(-1) ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(([, m, s]) => Number(m) * 60 + Number(s));
  if (seconds.length !== 2) throw new Error(`no CPU times from node ${args.join(' ')}: ${run.stdout}${run.stderr}`);
  return seconds[0] + seconds[1];
}

/** `env` may be a function: each process then gets the environment it returns. */
function median(args: string[], env: NodeJS.ProcessEnv | (() => NodeJS.ProcessEnv)): number {
  const envOf = typeof env === 'function' ? env : () => env;
  const runs = Array.from({ length: repeats }, () => cpuSeconds(args, envOf())).sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}

const home = mkdtempSync(join(tmpdir(), 'nas-bench-startup-'));
const env = { ...process.env, NAS_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' };
try {
  const esm = median(['--input-type=module', '-e', LOAD_DRIZZLE], env);
  const commonjs = median(['--import', COMMONJS_HOOK, '--input-type=module', '-e', LOAD_DRIZZLE], env);
  const version = median([NAS, '--version'], env);
  const status = median([NAS, 'search', 'status', 'no-such-search', '--json'], env);
  const newHome = median([NAS, 'db', 'migrate'], () => ({ ...env, NAS_HOME: mkdtempSync(join(home, 'new-')) }));
  const migrated = spawnSync(process.execPath, [NAS, 'db', 'migrate'], { env, encoding: 'utf8' });
  if (migrated.status !== 0) throw new Error(`nas db migrate failed: ${migrated.stderr}`);
  const list = median([NAS, 'search', 'list'], env);
  const figures = {
    node: process.version,
    repeats,
    drizzleAsEsModulesCpuS: esm,
    drizzleAsCommonJsCpuS: commonjs,
    drizzleSpeedup: esm / commonjs,
    nasVersionCpuS: version,
    nasSearchStatusCpuS: status,
    nasDbMigrateNewHomeCpuS: newHome,
    nasSearchListCpuS: list,
  };
  if (values.json) console.log(JSON.stringify(figures, null, 2));
  else {
    const s = (x: number) => `${x.toFixed(2)} CPU s`;
    console.log(`node ${figures.node}, median of ${repeats} processes each`);
    console.log(`load drizzle-orm as ES modules        ${s(esm)}`);
    console.log(`load drizzle-orm as CommonJS          ${s(commonjs)}   (${figures.drizzleSpeedup.toFixed(2)}x less)`);
    console.log(`nas --version                         ${s(version)}`);
    console.log(`nas search status <missing> --json   ${s(status)}`);
    console.log(`nas db migrate (new home)            ${s(newHome)}`);
    console.log(`nas search list (empty database)     ${s(list)}`);
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
