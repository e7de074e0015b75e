import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { resolveTemporalCli } from '../stack/temporal/cli-binary.ts';
import {
  answersAsTemporal,
  connectTemporal,
  portToRetry,
  spawnDevServer,
  startDevServer,
  tlsFromEnv,
} from '../stack/temporal/dev-server.ts';
import { createTestEnv } from '../harness/temporal.ts';

const savedEnv = { ...process.env };
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nas-temporal-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const quiet = () => {};

describe('resolveTemporalCli', () => {
  it('finds a runnable Temporal CLI', async () => {
    const cli = await resolveTemporalCli({ log: quiet });
    expect(execFileSync(cli, ['--version']).toString()).toMatch(/temporal version/);
  });

  it('rejects a TEMPORAL_CLI that does not exist, naming the variable', async () => {
    process.env.TEMPORAL_CLI = join(scratch, 'no-such-temporal');
    await expect(resolveTemporalCli({ log: quiet })).rejects.toThrow(/TEMPORAL_CLI=.*no-such-temporal.*not executable/);
  });

  it('rejects a TEMPORAL_CLI that is not executable', async () => {
    const file = join(scratch, 'not-executable');
    await writeFile(file, 'plain text');
    await chmod(file, 0o644);
    process.env.TEMPORAL_CLI = file;
    await expect(resolveTemporalCli({ log: quiet })).rejects.toThrow(/TEMPORAL_CLI/);
  });

  it('lists every way to provide the CLI when none is found', async () => {
    delete process.env.TEMPORAL_CLI;
    process.env.PATH = join(scratch, 'empty-bin');
    process.env.XDG_CACHE_HOME = join(scratch, 'empty-cache');
    const error = await resolveTemporalCli({ log: quiet, allowBuild: false }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('TEMPORAL_CLI');
    expect(message).toContain('PATH');
    expect(message).toContain(join(scratch, 'empty-cache', 'nas-orchestrator', 'temporal-cli-1.5.1', 'temporal'));
    expect(message).toMatch(/Go toolchain|go install|building/);
    expect(message).toMatch(/internet/);
  });
});

describe('connectTemporal', () => {
  it('names TEMPORAL_ADDRESS and the fix when the server is unreachable', async () => {
    const port = await freePort();
    process.env.TEMPORAL_ADDRESS = `127.0.0.1:${port}`;
    const expected = `TEMPORAL_ADDRESS: cannot reach 127.0.0.1:${port} within 5s; start the Temporal server or unset TEMPORAL_ADDRESS to use the embedded dev server`;
    await expect(connectTemporal().clientConnection()).rejects.toThrow(expected);
    await expect(connectTemporal().workerConnection()).rejects.toThrow(expected);
  });

  it('rejects a malformed TEMPORAL_ADDRESS', () => {
    expect(() => connectTemporal({ address: 'host:99999' })).toThrow(/TEMPORAL_ADDRESS=host:99999 is not host:port/);
  });

  it('requires both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY', () => {
    expect(() => tlsFromEnv({ TEMPORAL_TLS_CERT: '/x/cert.pem' })).toThrow(/TEMPORAL_TLS_KEY is not set/);
    expect(() => tlsFromEnv({ TEMPORAL_TLS_CERT: '/x/c.pem', TEMPORAL_TLS_KEY: '/x/k.pem' })).toThrow(
      /TEMPORAL_TLS_CERT=\/x\/c.pem cannot be read/,
    );
  });

  it('reads the client certificate pair from the named files', async () => {
    await writeFile(join(scratch, 'c.pem'), 'CERT');
    await writeFile(join(scratch, 'k.pem'), 'KEY');
    const tls = tlsFromEnv({ TEMPORAL_TLS_CERT: join(scratch, 'c.pem'), TEMPORAL_TLS_KEY: join(scratch, 'k.pem') });
    expect(Buffer.from(tls!.clientCertPair!.crt).toString()).toBe('CERT');
    expect(Buffer.from(tls!.clientCertPair!.key).toString()).toBe('KEY');
  });
});

describe('portToRetry', () => {
  const fatal = (port: number) =>
    `{"level":"FATAL","prefix":"echo","message":"listen tcp 127.0.0.1:${port}: bind: address already in use"}`;
  const frontend = (port: number) =>
    `level=ERROR msg="can't set frontend port ${port}: listen tcp 127.0.0.1:${port}: bind: address already in use"`;
  const chosen = { port: 38089, uiPort: 38090 };
  it('names an internal port another process took first, so the start can be retried', () => {
    expect(portToRetry(fatal(42115), chosen, {})).toBe(42115);
    expect(portToRetry(fatal(42115), chosen, chosen)).toBe(42115);
  });
  it('retries a gRPC or UI port it preferred (another server starting at the same time took it), not one it was given', () => {
    expect(portToRetry(frontend(38089), chosen, {})).toBe(38089);
    expect(portToRetry(fatal(38090), chosen, { port: 38089 })).toBe(38090);
    expect(portToRetry(frontend(38089), chosen, { port: 38089 })).toBeNull();
    expect(portToRetry(fatal(38090), chosen, { uiPort: 38090 })).toBeNull();
  });
  it('leaves other failures as errors', () => {
    expect(portToRetry('unable to open database file', chosen, {})).toBeNull();
  });
  it('finds the lost port when the server panics after failing to bind, its stack pushing the reason out of the tail', async () => {
    // The CLI logs the server's fatal errors and goes on, so a listener lost between its port check and its bind
    // ends in a nil-pointer panic whose stack (80 lines and more) follows the one line that says why.
    const cli = join(scratch, 'panicking-temporal');
    const reason = `time=2026-12-07T10:00:00.000 level=ERROR msg="Failed to start gRPC listener" error="listen tcp 127.0.0.1:38089: bind: address already in use"`;
    const stack = Array.from({ length: 80 }, (_, i) => `\tgo.uber.org/fx.(*module).executeInvoke(0x${i})`).join('\n');
    const panic = `panic: runtime error: invalid memory address or nil pointer dereference\n${stack}`;
    await writeFile(cli, `#!/bin/sh\ncat >&2 <<'OUT'\n${reason}\n${panic}\nOUT\nexit 2\n`);
    await chmod(cli, 0o755);
    const failure = spawnDevServer(cli, [], '127.0.0.1:38089', 'default', 10_000);
    const message = await failure.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message).toMatch(/^Temporal dev server exited \(2\) before accepting connections at 127\.0\.0\.1:38089:\n/);
    expect(message).toContain(reason);
    expect(message).toContain('executeInvoke(0x79)');
    expect(portToRetry(message, chosen, {})).toBe(38089);
  });
});

describe('startDevServer', () => {
  it('starts, never shares its port with a second server, keeps workflows across restarts and stops', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    const dbFile = join(scratch, 'state', 'dev.sqlite');
    const first = await startDevServer({ port, uiPort, dbFile, log: quiet });
    try {
      expect(first.address).toBe(`127.0.0.1:${port}`);
      const connection = await connectTemporal({ address: first.address }).clientConnection();
      const client = new Client({ connection });
      await client.workflow.start('neverPolled', { taskQueue: 'nobody', workflowId: 'survives-restart' });
      await connection.close();

      await expect(
        startDevServer({ port, uiPort, dbFile: join(scratch, 'second.sqlite'), log: quiet }),
      ).rejects.toThrow(`Temporal dev server cannot listen on 127.0.0.1:${port}: another process uses it`);
      // Two starters both found the port free and spawned: the loser sees `first` answer at its
      // address, and must wait for its own server, which fails to bind, rather than take `first`.
      const cli = await resolveTemporalCli({ log: quiet });
      const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort)];
      args.push('--db-filename', join(scratch, 'loser.sqlite'), '--namespace', 'default');
      await expect(spawnDevServer(cli, args, first.address, 'default', 30_000)).rejects.toThrow(
        /Temporal dev server exited .* before accepting connections/,
      );
      expect(await answersAsTemporal(first.address, 2_000)).toBe(true);
    } finally {
      await first.stop();
    }
    expect(await answersAsTemporal(first.address, 1_000)).toBe(false);

    const restarted = await startDevServer({ port, uiPort, dbFile, log: quiet });
    try {
      const connection = await Connection.connect({ address: restarted.address });
      const description = await new Client({ connection }).workflow.getHandle('survives-restart').describe();
      expect(description.status.name).toBe('RUNNING');
      await connection.close();
    } finally {
      await restarted.stop();
    }
  });

  it('stops when the process that started it is killed with SIGKILL', async () => {
    const port = await freePort();
    const script = join(scratch, 'starter.mts');
    const devServer = new URL('../stack/temporal/dev-server.ts', import.meta.url).pathname;
    await writeFile(
      script,
      `import { startDevServer } from ${JSON.stringify(devServer)};\n` +
        `await startDevServer({ port: ${port}, uiPort: ${await freePort()}, dbFile: ${JSON.stringify(join(scratch, 'orphan.sqlite'))}, log: () => {} });\n` +
        `console.log('up'); setInterval(() => {}, 1000);\n`,
    );
    const starter = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      starter.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('up') && resolve());
      starter.once('exit', (code) => reject(new Error(`starter exited ${code}`)));
    });
    expect(await answersAsTemporal(`127.0.0.1:${port}`, 2_000)).toBe(true);
    starter.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await answersAsTemporal(`127.0.0.1:${port}`, 500)))
      await new Promise((r) => setTimeout(r, 250));
    expect(await answersAsTemporal(`127.0.0.1:${port}`, 1_000)).toBe(false);
  });

  it('fails at once, naming the port, when the port is taken by something else', async () => {
    const blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(
        startDevServer({
          port,
          uiPort: await freePort(),
          dbFile: join(scratch, 'taken.sqlite'),
          log: quiet,
          startTimeoutMs: 20_000,
        }),
      ).rejects.toThrow(`Temporal dev server cannot listen on 127.0.0.1:${port}: another process uses it`);
    } finally {
      blocker.close();
    }
  });
});

describe('createTestEnv', () => {
  it('gives workflow tests a working local server', async () => {
    const env = await createTestEnv();
    try {
      const info = await env.connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^\d+\.\d+/);
    } finally {
      await env.teardown();
    }
  });
});
