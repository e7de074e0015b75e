/**
 * One owner per NAS_HOME. The lock is a Unix socket the owner listens on: in Linux's abstract
 * namespace, named after the home's real path, so taking it is atomic and the kernel releases it
 * when the owner dies, however it dies. Elsewhere it is a socket file in the home, removed when
 * nobody answers on it. Other processes connect to the same socket to read what the owner
 * publishes (its state and where its services are): there is no record file to go stale.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

export interface OwnerRecord {
  pid: number;
  /**
   * starting: bringing the stack up; ready: serving; stopping: shutting it down;
   * database: a command using the database alone, briefly.
   */
  state: 'starting' | 'ready' | 'stopping' | 'database';
  temporalAddress?: string;
  uiUrl?: string;
  /** The embedded database endpoint's port (password in the home's secret file). */
  databasePort?: number;
}

export interface HomeLock {
  publish(record: OwnerRecord): void;
  release(): Promise<void>;
}

export function prepareHome(home: string): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return realpathSync(home);
}

function lockAddress(home: string): string {
  const real = prepareHome(home);
  if (process.platform === 'linux') return `\0nas-home-${createHash('sha256').update(real).digest('hex').slice(0, 32)}`;
  return join(real, 'owner.sock');
}

/** Takes the home's lock, or returns null when another process holds it. */
export async function lockHome(home: string): Promise<HomeLock | null> {
  const address = lockAddress(home);
  let record: OwnerRecord = { pid: process.pid, state: 'starting' };
  const server = createServer((socket) => {
    socket.on('error', () => {}); // a reader that gave up before the answer
    socket.end(`${JSON.stringify(record)}\n`);
  });
  if (!(await listen(server, address))) {
    if (address.startsWith('\0') || (await readOwner(home)) !== null) return null;
    rmSync(address, { force: true });
    if (!(await listen(server, address))) return null;
  }
  server.unref();
  return {
    publish(next) {
      record = next;
    },
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function listen(server: Server, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ path: address, exclusive: true }, () => resolve(true));
  });
}

/** What the home's owner publishes, or null when no process holds the home. */
export function readOwner(home: string, timeoutMs = 2_000): Promise<OwnerRecord | null> {
  const address = lockAddress(home);
  return new Promise((resolve) => {
    let text = '';
    const socket: Socket = createConnection({ path: address });
    const done = (record: OwnerRecord | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(record);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => {
      try {
        done(JSON.parse(text) as OwnerRecord);
      } catch {
        done(null);
      }
    });
    socket.on('error', () => done(null));
  });
}
