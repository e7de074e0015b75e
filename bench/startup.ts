/**
 * What one `nas` process costs before it does any work: CPU seconds (user + system, all threads)
 * of loading drizzle-orm as ES modules and through its CommonJS build (db/drizzle-as-commonjs.mjs),
 * and of whole `nas` commands that do next to nothing. Every command pays these, and the tests
 * run hundreds of commands. Each figure is the median of --repeats processes.
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
/** Printed by every measured process as it exits: its CPU time in microseconds. */
const REPORT_CPU = `data:text/javascript,process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('\\ncpu-us ' + (u.user + u.system) + '\\n'); });`;
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

function cpuSeconds(args: string[], env: NodeJS.ProcessEnv): number {
  const run = spawnSync(process.execPath, ['--import', REPORT_CPU, ...args], { env, encoding: 'utf8' });
  const reported = /cpu-us (\d+)\s*$/.exec(run.stderr);
  if (!reported) throw new Error(`no CPU figure from node ${args.join(' ')}: ${run.stderr.slice(-400)}`);
  return Number(reported[1]) / 1e6;
}

function median(args: string[], env: NodeJS.ProcessEnv): number {
  const runs = Array.from({ length: repeats }, () => cpuSeconds(args, env)).sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}

const home = mkdtempSync(join(tmpdir(), 'nas-bench-startup-'));
const env = { ...process.env, NAS_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' };
try {
  const esm = median(['--input-type=module', '-e', LOAD_DRIZZLE], env);
  const commonjs = median(['--import', COMMONJS_HOOK, '--input-type=module', '-e', LOAD_DRIZZLE], env);
  const version = median([NAS, '--version'], env);
  const status = median([NAS, 'search', 'status', 'no-such-search', '--json'], env);
  const figures = {
    node: process.version,
    repeats,
    drizzleAsEsModulesCpuS: esm,
    drizzleAsCommonJsCpuS: commonjs,
    drizzleSpeedup: esm / commonjs,
    nasVersionCpuS: version,
    nasSearchStatusCpuS: status,
  };
  if (values.json) console.log(JSON.stringify(figures, null, 2));
  else {
    const s = (x: number) => `${x.toFixed(2)} CPU s`;
    console.log(`node ${figures.node}, median of ${repeats} processes each`);
    console.log(`load drizzle-orm as ES modules        ${s(esm)}`);
    console.log(`load drizzle-orm as CommonJS          ${s(commonjs)}   (${figures.drizzleSpeedup.toFixed(2)}x less)`);
    console.log(`nas --version                         ${s(version)}`);
    console.log(`nas search status <missing> --json   ${s(status)}`);
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
