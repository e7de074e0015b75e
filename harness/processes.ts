/** Worker processes for tests that kill and restart them: `nas worker ...` as real OS processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const NAS = fileURLToPath(new URL('../cli/nas.mjs', import.meta.url));

/** Every `nas` process started here that has not exited yet. */
const alive = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  return child;
}

/**
 * Kills what is still running, when a test that started it failed or timed out before stopping
 * it: a stack owner left behind would go on working (and holding its home) after the test file.
 */
export async function killLeftoverProcesses(): Promise<number> {
  const leftovers = [...alive].filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    leftovers.map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      return exited;
    }),
  );
  return leftovers.length;
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves once the worker logs that it is polling. */
  ready: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startWorkerProcess(args: string[], env: NodeJS.ProcessEnv): WorkerProcess {
  const child = track(
    spawn(process.execPath, [NAS, 'worker', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let text = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (/polling /.test(text)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`worker exited (${code ?? signal}) before polling:\n${text}`)),
    );
  });
  ready.catch(() => {});
  return {
    child,
    output: () => text,
    ready,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function waitFor<T>(
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

export const NAS_CLI = fileURLToPath(new URL('../cli/nas.mjs', import.meta.url));

export interface NasRun {
  child: ChildProcess;
  /** Exit code and everything the command printed (stdout then stderr). */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts a `nas` command as its own OS process. */
export function startNas(args: string[], env: NodeJS.ProcessEnv): NasRun {
  const child = track(
    spawn(process.execPath, [NAS_CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

export function runNas(args: string[], env: NodeJS.ProcessEnv) {
  return startNas(args, env).done;
}
