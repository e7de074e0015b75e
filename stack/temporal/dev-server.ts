/**
 * The embedded default: a local `temporal server start-dev`, persisted under NAS_HOME, that dies
 * with the process that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Connection } from '@temporalio/client';
import { findTemporalCli, tail, temporalCliMissingMessage, type Log } from './cli-binary.ts';

export {
  connectTemporal,
  tlsFromEnv,
  parseAddress,
  type TemporalConnector,
  type TemporalConnectOptions,
} from './connect.ts';

export interface DevServerOptions {
  /** Default 7233 when free, otherwise any free port. */
  port?: number;
  /** Default 8233 when free, otherwise any free port. */
  uiPort?: number;
  /** SQLite file; default `${NAS_HOME ?? ./.nas}/temporal/dev-server.sqlite` so searches survive restarts. */
  dbFile?: string;
  namespace?: string;
  log?: Log;
  /** How long to wait for a spawned server to accept connections. Default 60 s. */
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  namespace: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

export function nasHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.NAS_HOME || '.nas');
}

export function defaultDevServerDbFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(nasHome(env), 'temporal', 'dev-server.sqlite');
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  const log = options.log ?? ((message: string) => console.error(`[temporal-dev] ${message}`));
  let ports = await choosePorts(options);
  const dbFile = resolve(options.dbFile ?? defaultDevServerDbFile());
  await mkdir(dirname(dbFile), { recursive: true });
  const cli = await findTemporalCli({ log });
  if (!cli) return startDownloadedDevServer({ ...ports, ...urls(ports), namespace, dbFile, log });

  for (let attempt = 1; ; attempt++) {
    const { address, uiUrl } = urls(ports);
    const args = ['server', 'start-dev', '--ip', HOST, '--port', String(ports.port), '--ui-port', String(ports.uiPort)];
    args.push('--db-filename', dbFile, '--namespace', namespace, '--log-level', 'warn');
    try {
      const stop = await spawnDevServer(cli, args, address, namespace, options.startTimeoutMs ?? 60_000);
      log(`Temporal dev server at ${address} (UI ${uiUrl}, state in ${dbFile})`);
      return { address, uiUrl, namespace, stop };
    } catch (error) {
      const lost = portToRetry((error as Error).message, ports, options);
      if (lost === null || attempt === START_ATTEMPTS) throw error;
      log(`the dev server lost port ${lost} to another process starting at the same time; starting it again`);
      if (lost === ports.port || lost === ports.uiPort) ports = await choosePorts(options);
    }
  }
}

interface Ports {
  port: number;
  uiPort: number;
}

/** The given ports, or 7233 and 8233 when free, otherwise any free ones; a given port in use is refused. */
async function choosePorts(options: DevServerOptions): Promise<Ports> {
  const ports = {
    port: options.port ?? (await preferredPort(7233)),
    uiPort: options.uiPort ?? (await preferredPort(8233)),
  };
  for (const taken of [ports.port, ports.uiPort]) {
    if ((await listenable(taken)) === null) {
      throw new Error(
        `Temporal dev server cannot listen on ${HOST}:${taken}: another process uses it; choose another port`,
      );
    }
  }
  return ports;
}

function urls({ port, uiPort }: Ports): { address: string; uiUrl: string } {
  return { address: `${HOST}:${port}`, uiUrl: `http://${HOST}:${uiPort}` };
}

/**
 * Another process can bind a port between our check that it is free and our server's bind: one of
 * the internal ports the server picks itself, or (when several start at once) the 7233 or 8233 we
 * preferred. Those are worth another start; a port the caller asked for is not.
 */
const START_ATTEMPTS = 3;

/** The port a failed start lost to another process, when starting again can help; null otherwise. */
export function portToRetry(output: string, chosen: Ports, given: Partial<Ports>): number | null {
  const match = /listen tcp [^\s:]*:(\d+): bind: address already in use/.exec(output);
  if (match == null) return null;
  const busy = Number(match[1]);
  if (busy === chosen.port) return given.port === undefined ? busy : null;
  if (busy === chosen.uiPort) return given.uiPort === undefined ? busy : null;
  return busy;
}

/**
 * The server runs under a shell that stops it when its standard input, a pipe from this process,
 * closes: on stop(), and when the kernel closes it because this process died, however it died. The
 * shell exits with the server, so that a server that failed to start is seen at once.
 */
const STOP_WITH_PARENT = [
  'exec 3<&0',
  '"$@" </dev/null & server=$!',
  '(read _ <&3; kill $server 2>/dev/null) & watcher=$!',
  'wait $server; status=$?',
  'kill $watcher 2>/dev/null',
  'exit $status',
].join('\n');

/** Exported for tests/temporal-dev-server.test.ts, which starts it on a port another server holds. */
export async function spawnDevServer(
  cli: string,
  args: string[],
  address: string,
  namespace: string,
  timeoutMs: number,
): Promise<() => Promise<void>> {
  const child = spawn('sh', ['-c', STOP_WITH_PARENT, 'sh', cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const output = captureOutput(child);
  const stop = () => terminate(child);
  try {
    await waitUntilReady(child, address, namespace, timeoutMs, output);
    return stop;
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function answersAsTemporal(address: string, timeoutMs: number): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    const { Connection } = await import('@temporalio/client');
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}

async function namespaceReady(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    const { Connection } = await import('@temporalio/client');
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}

interface OutputBuffer {
  text(): string;
  /** The first lines that say why the server failed; a Go panic's stack can push them out of the tail. */
  failures(): string[];
}

const FAILURE_LINE = /^panic: |level=(ERROR|FATAL)|"level":"(ERROR|FATAL)"/i;

function captureOutput(child: ChildProcess): OutputBuffer {
  let text = '';
  let partialLine = '';
  const failures: string[] = [];
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-32_000);
    const lines = (partialLine + chunk.toString()).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) if (failures.length < 5 && FAILURE_LINE.test(line)) failures.push(line);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return { text: () => text, failures: () => [...failures, ...(FAILURE_LINE.test(partialLine) ? [partialLine] : [])] };
}

function exitedMessage(status: number | string, address: string, output: OutputBuffer): string {
  const failures = output.failures();
  const tailText = tail(output.text());
  const reasons = failures.filter((line) => !tailText.includes(line));
  return [
    `Temporal dev server exited (${status}) before accepting connections at ${address}:`,
    ...(reasons.length > 0 ? [...reasons, '...'] : []),
    tailText,
  ].join('\n');
}

async function waitUntilReady(
  child: ChildProcess,
  address: string,
  namespace: string,
  timeoutMs: number,
  output: OutputBuffer,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`cannot run the Temporal CLI: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(exitedMessage(child.exitCode ?? child.signalCode ?? 'unknown', address, output));
    }
    if (announcedItsPort(output.text(), address) && (await namespaceReady(address, namespace))) return;
    await sleep(250);
  }
  throw new Error(
    `Temporal dev server did not accept connections at ${address} within ${timeoutMs / 1000}s; its output ends with:\n` +
      tail(output.text()),
  );
}

/**
 * The CLI prints `Server:  localhost:<port>` once its listeners are bound. Until then, whatever
 * answers at the address may be another process's server that took the port between our check that
 * it was free and our server's bind (files of the test suite start servers in parallel).
 */
function announcedItsPort(output: string, address: string): boolean {
  const port = address.slice(address.lastIndexOf(':') + 1);
  return new RegExp(`^Server:\\s+\\S+:${port}\\s*$`, 'm').test(output);
}

async function terminate(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.stdin!.end();
  if (child.exitCode !== null || child.signalCode !== null) return;
  await exited;
}

/** `port` when nothing listens on it, otherwise one the system picks. */
export async function preferredPort(port: number): Promise<number> {
  return (await listenable(port)) ?? (await listenable(0))!;
}

function listenable(port: number): Promise<number | null> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(null));
    server.listen(port, HOST, () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : null));
    });
  });
}

interface DownloadFallback {
  port: number;
  uiPort: number;
  namespace: string;
  dbFile: string;
  address: string;
  uiUrl: string;
  log: Log;
}

/** Last resort: the SDK downloads a dev server (needs the internet). */
async function startDownloadedDevServer(fallback: DownloadFallback): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  fallback.log('no local Temporal CLI; asking the Temporal SDK to download the dev server');
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        ip: HOST,
        port: fallback.port,
        ui: true,
        uiPort: fallback.uiPort,
        dbFilename: fallback.dbFile,
        namespace: fallback.namespace,
      },
    });
    const { address, uiUrl, namespace } = fallback;
    return { address, uiUrl, namespace, stop: () => env.teardown() };
  } catch (error) {
    throw new Error(`${temporalCliMissingMessage(true)}\n(SDK download failed: ${(error as Error).message})`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
