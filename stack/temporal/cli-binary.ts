/**
 * Finds (or builds) the Temporal CLI, whose `temporal server start-dev` is our embedded dev server.
 *
 * Order: $TEMPORAL_CLI, `temporal` on PATH, the per-user cached build, a fresh `go install` into
 * that cache. The SDK's own download is the caller's last resort (it needs the internet).
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { nasCacheRoot } from '../../workers/cache-root.ts';
import { SettingError } from '../../contracts/refusal.ts';

export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

export type Log = (message: string) => void;

export interface ResolveTemporalCliOptions {
  log?: Log;
  /** Build with `go install` when nothing is found (takes minutes on first use). Default true. */
  allowBuild?: boolean;
}

const defaultLog: Log = (message) => console.error(`[temporal-cli] ${message}`);

export function cachedTemporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(nasCacheRoot(env), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

/**
 * Local search only: returns the CLI path, or null when nothing local works
 * (then the caller may fall back to the SDK's download). Throws when TEMPORAL_CLI is set but unusable.
 */
export async function findTemporalCli(options: ResolveTemporalCliOptions = {}): Promise<string | null> {
  const log = options.log ?? defaultLog;
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!(await isExecutable(fromEnv))) {
      throw new SettingError(
        `TEMPORAL_CLI=${fromEnv} does not exist or is not executable; ` +
          `point TEMPORAL_CLI at a Temporal CLI binary (v${TEMPORAL_CLI_VERSION} or later) or unset it`,
      );
    }
    return fromEnv;
  }
  const onPath = await findOnPath('temporal');
  if (onPath) return onPath;
  const cached = cachedTemporalCliPath();
  if (await isExecutable(cached)) return cached;
  if (options.allowBuild === false) return null;
  const go = await findOnPath('go');
  if (!go) return null;
  return buildTemporalCli(go, cached, log);
}

/** Like findTemporalCli, but throws an error listing every way to provide the CLI. */
export async function resolveTemporalCli(options: ResolveTemporalCliOptions = {}): Promise<string> {
  const found = await findTemporalCli(options);
  if (found) return found;
  throw new Error(temporalCliMissingMessage(options.allowBuild !== false));
}

export function temporalCliMissingMessage(buildAllowed: boolean): string {
  return [
    'Temporal CLI not found. Provide it in one of these ways:',
    '  - set TEMPORAL_CLI to the path of a `temporal` binary',
    '  - put `temporal` on PATH',
    `  - place a build at ${cachedTemporalCliPath()}`,
    buildAllowed
      ? `  - install the Go toolchain (\`go\` on PATH) so it can be built: go install ${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION}`
      : '  - allow building it with the Go toolchain (building was disabled)',
    '  - give this machine internet access so the Temporal SDK can download the dev server',
  ].join('\n');
}

async function buildTemporalCli(go: string, target: string, log: Log): Promise<string> {
  const cacheDir = join(target, '..');
  await mkdir(cacheDir, { recursive: true });
  // Build into a private GOBIN, then rename: concurrent builders never see a half-written binary.
  const gobin = await mkdtemp(join(cacheDir, '.build-'));
  const started = Date.now();
  log(
    `building Temporal CLI v${TEMPORAL_CLI_VERSION} with ${go} into ${cacheDir}; this takes a few minutes the first time`,
  );
  try {
    const args = ['install', `${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION}`];
    const env = { ...process.env, GOBIN: gobin, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim() };
    let result = await run(go, args, env);
    if (result.code !== 0 && isChecksumDbFailure(result.stderr)) {
      log('Go checksum database unreachable; retrying with GOSUMDB=off');
      result = await run(go, args, { ...env, GOSUMDB: 'off', GONOSUMDB: '*' });
    }
    if (result.code !== 0) {
      throw new Error(
        `go install ${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION} failed (exit ${result.code}):\n${tail(result.stderr)}\n\n` +
          temporalCliMissingMessage(true),
      );
    }
    await rename(join(gobin, 'temporal'), target);
    log(`built Temporal CLI in ${((Date.now() - started) / 1000).toFixed(0)} s: ${target}`);
    return target;
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}

export function isChecksumDbFailure(stderr: string): boolean {
  return /sum\.golang\.org|checksum database|verifying .*: |GOSUMDB/i.test(stderr);
}

export function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

interface RunResult {
  code: number;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-64_000);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}
