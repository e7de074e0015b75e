/**
 * Issue 26, identity: a command trusts the holder of a home's lock only when it proves it is the
 * same user's (it knows the home's secret); the owner counts only attached commands that prove
 * the same; one home has one name whatever path leads to it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { embeddedTaskQueues, openStack } from '../stack/embedded.ts';
import { attachOwner, lockAddress, lockHome, readOwner } from '../stack/home-lock.ts';
import { runCli } from './support/run-cli.ts';

const root = mkdtempSync(join(tmpdir(), 'nas-identity-'));
const savedHome = process.env.NAS_HOME;

afterEach(() => {
  if (savedHome === undefined) delete process.env.NAS_HOME;
  else process.env.NAS_HOME = savedHome;
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Another local user (nobody) listening on the home's lock name, publishing a made-up owner. */
async function fakeOwnerOfAnotherUser(home: string) {
  const name = lockAddress(home).slice(1);
  const record = JSON.stringify({ pid: 1, state: 'ready', temporalAddress: '127.0.0.1:1', databasePort: 1 });
  const script = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(b'\\0' + sys.argv[1].encode())
s.listen(64)
print('ready', flush=True)
while True:
    c, _ = s.accept()
    try:
        c.recv(256)
        c.sendall(sys.argv[2].encode() + b'\\n')
    finally:
        c.close()
`;
  const child = spawn('/usr/bin/python3', ['-c', script, name, record], {
    uid: 65534,
    gid: 65534,
    cwd: '/',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await Promise.race([
    new Promise<string[]>((resolve) => createInterface({ input: child.stdout }).once('line', (l) => resolve([l]))),
    new Promise<string[]>((resolve) => setTimeout(() => resolve(['timeout']), 10_000)),
  ]);
  expect(line).toBe('ready');
  return child;
}

describe('who a command trusts as the owner of its home', () => {
  it('refuses, in one line naming the home, a lock holder of another user that publishes a fake owner', async () => {
    const home = join(root, 'squatted');
    mkdirSync(home, { mode: 0o700 });
    const squatter = await fakeOwnerOfAnotherUser(home);
    try {
      await expect(readOwner(home)).rejects.toThrow(/cannot prove it is yours/);
      process.env.NAS_HOME = home;
      const started = Date.now();
      const { code, stderr } = await runCli(['search', 'status', 'any']);
      console.info(
        `nas search status against a squatted lock: exit ${code} in ${Date.now() - started} ms: ${stderr.trim()}`,
      );
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(home);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      squatter.kill('SIGKILL');
    }
  }, 30_000);

  it('counts as attached only the commands that prove they are the same user, and closes a silent connection', async () => {
    const home = join(root, 'owned');
    const lock = await lockHome(home);
    expect(lock).not.toBeNull();
    try {
      lock!.publish({ pid: process.pid, state: 'ready' });
      const stranger = connect({ path: lockAddress(home) });
      stranger.on('error', () => {});
      stranger.write(`${'0'.repeat(32)} ${'f'.repeat(64)} ${'1'.repeat(32)}\n`);
      const silent = connect({ path: lockAddress(home) });
      silent.on('error', () => {});
      const session = await attachOwner(home);
      expect(session?.record.state).toBe('ready');
      await new Promise((r) => setTimeout(r, 200));
      expect(lock!.attachedCommands()).toBe(1);
      session!.close();
      const silentClosed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 4_000);
        silent.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      expect(silentClosed).toBe(true);
      expect(lock!.attachedCommands()).toBe(0);
      stranger.destroy();
    } finally {
      await lock!.release();
    }
  }, 30_000);

  it('gives a home one lock and one pair of task queues through a symlink, a relative path and its real path', async () => {
    const home = join(root, 'real-home');
    mkdirSync(home, { mode: 0o700 });
    const link = join(root, 'link-home');
    symlinkSync(home, link);
    const paths = [home, link, relative(process.cwd(), link), `${link}/`];
    expect(new Set(paths.map((path) => JSON.stringify(embeddedTaskQueues(path)))).size).toBe(1);
    expect(new Set(paths.map((path) => lockAddress(path))).size).toBe(1);
    const lock = await lockHome(link);
    try {
      expect(lock).not.toBeNull();
      expect(await lockHome(home)).toBeNull();
      expect((await readOwner(home))?.pid).toBe(process.pid);
    } finally {
      await lock?.release();
    }
    // openStack itself, through the link, takes the same lock (offline: no owner runs).
    process.env.NAS_HOME = link;
    const stack = await openStack({ own: false });
    try {
      expect(stack.taskQueues).toEqual(embeddedTaskQueues(home));
      expect(await lockHome(home)).toBeNull();
    } finally {
      await stack.close();
    }
  }, 30_000);
});
