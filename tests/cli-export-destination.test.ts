/**
 * Issue 26, export: `nas export` checks --out before it reads or builds anything, and leaves no
 * partial directory behind: not on bad input, not on a signal, and not after a kill (the next
 * export to the same --out removes what a dead one left).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNas, waitFor } from '../harness/processes.ts';
import { badInputLine } from './support/run-cli.ts';

const root = mkdtempSync(join(tmpdir(), 'nas-export-destination-'));
/** A database server that accepts connections and never answers: a command that reaches it waits. */
let silent: Server;
const held: Socket[] = [];
let silentUrl: string;
const saved = {
  DATABASE_URL: process.env.DATABASE_URL,
  NAS_HOME: process.env.NAS_HOME,
  TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
};

beforeAll(async () => {
  silent = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `postgres://postgres@127.0.0.1:${(silent.address() as { port: number }).port}/none`;
  process.env.NAS_HOME = join(root, 'home');
  delete process.env.TEMPORAL_ADDRESS;
});
afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  Object.assign(process.env, saved);
  for (const [key, value] of Object.entries(saved)) if (value === undefined) delete process.env[key];
  rmSync(root, { recursive: true, force: true });
});

const deadPid = () =>
  new Promise<number>((resolve) => {
    const child = spawn('true');
    child.on('exit', () => resolve(child.pid!));
  });

describe('nas export --out', () => {
  it('an unwritable --out is one line, exit 2, before the database is read or a model built', async () => {
    // Unreachable, so that a command that got past the check would fail otherwise.
    process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:1/none';
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    expect(await badInputLine(['export', 'some-search/0', '--out', join(file, 'model')])).toBe(
      `nas: --out: cannot write ${join(file, 'model')}: a file is in its path (${file}); name a directory you can write`,
    );
    expect(await badInputLine(['export', 'some-search/0', '--out', join(file, 'deeper', 'model')])).toMatch(
      /^nas: --out: cannot write .*: a file is in its path \(/,
    );
    // A read-only file system, which even root cannot write.
    expect(await badInputLine(['export', 'some-search/0', '--out', '/proc/nas-model'])).toMatch(
      /^nas: --out: cannot write \/proc\/nas-model: /,
    );
  });

  it('removes the directories it made when the export is refused', async () => {
    process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:1/none';
    const { code } = await startNas(['export', 'some-search/0', '--out', join(root, 'new', 'deep', 'model')], {
      DATABASE_URL: process.env.DATABASE_URL,
    }).done;
    expect(code).not.toBe(0);
    expect(existsSync(join(root, 'new'))).toBe(false);
  }, 60_000);

  it('removes the partial directory a killed export left, and keeps that of a running one', async () => {
    const parent = join(root, 'after-kill');
    mkdirSync(parent);
    const abandoned = join(parent, `.model.partial-${await deadPid()}-0badc0de`);
    mkdirSync(abandoned);
    writeFileSync(join(abandoned, 'model.onnx'), 'half');
    const running = spawn('sleep', ['30']);
    const live = join(parent, `.model.partial-${running.pid}-00c0ffee`);
    mkdirSync(live);
    try {
      process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:1/none';
      await startNas(['export', 'some-search/0', '--out', join(parent, 'model')], {
        DATABASE_URL: process.env.DATABASE_URL,
      }).done;
      expect(readdirSync(parent)).toEqual([`.model.partial-${running.pid}-00c0ffee`]);
    } finally {
      running.kill();
    }
  }, 60_000);

  it('SIGTERM during an export removes its partial directory', async () => {
    const parent = join(root, 'terminated');
    const run = startNas(['export', 'some-search/0', '--out', join(parent, 'model')], { DATABASE_URL: silentUrl });
    await waitFor(
      async () =>
        existsSync(parent) && readdirSync(parent).some((name) => name.startsWith('.model.partial-')) && held.length > 0,
      30_000,
      'the export to wait on the database',
    );
    run.child.kill('SIGTERM');
    await run.done;
    expect(run.child.signalCode).toBe('SIGTERM');
    expect(existsSync(parent)).toBe(false);
  }, 60_000);
});
