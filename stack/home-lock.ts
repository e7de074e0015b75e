/**
 * One owner per NAS_HOME. The lock is a Unix socket the owner listens on: in Linux's abstract
 * namespace, named after the home's real path (one home, one name, whatever path leads to it),
 * so taking it is atomic and the kernel releases it when the owner dies, however it dies.
 * Elsewhere it is a socket file in the home, removed when nobody answers on it.
 *
 * Any local user may connect to, or take, an abstract name. So the two sides prove they are the
 * same user to each other with the home's secret (mode 0600 in the home; stack/home-secret.ts),
 * as peer credentials would: a command sends a fresh nonce, and trusts what the holder publishes
 * (its state and where its services are) only with an HMAC of that nonce under the secret. A
 * command that stays attached to the owner sends a proof of its own and keeps its connection
 * open; the owner counts only those. Every connection is bounded: a short hello within a time
 * limit, or it is closed.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { RequestError } from '../contracts/request-error.ts';
import { homeSecret } from './home-secret.ts';

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
  /** Commands attached to this owner now (each proved it is this user's). */
  attachedCommands(): number;
  release(): Promise<void>;
}

/** An attached command's open connection to the owner; closing it detaches. */
export interface OwnerSession {
  record: OwnerRecord;
  close(): void;
}

const HELLO_TIMEOUT_MS = 2_000;
const MAX_HELLO_BYTES = 256;
const MAX_RECORD_BYTES = 16_384;
const MAX_LOCK_CONNECTIONS = 256;

export function prepareHome(home: string): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return realpathSync(home);
}

/** The lock socket's address: an abstract name on Linux (leading NUL), a socket file in the home elsewhere. */
export function lockAddress(home: string): string {
  const real = prepareHome(home);
  if (process.platform === 'linux') return `\0nas-home-${createHash('sha256').update(real).digest('hex').slice(0, 32)}`;
  return join(real, 'owner.sock');
}

function proof(secret: string, purpose: 'owner' | 'attach', nonce: string): string {
  return createHmac('sha256', secret).update(`${purpose}:${nonce}`).digest('hex');
}

function sameProof(given: unknown, expected: string): boolean {
  return (
    typeof given === 'string' &&
    given.length === expected.length &&
    timingSafeEqual(Buffer.from(given), Buffer.from(expected))
  );
}

/** Takes the home's lock, or returns null when another process holds it. */
export async function lockHome(home: string): Promise<HomeLock | null> {
  const address = lockAddress(home);
  const secret = homeSecret(prepareHome(home));
  let record: OwnerRecord = { pid: process.pid, state: 'starting' };
  const attached = new Set<Socket>();
  const server = createServer((socket) => answer(socket, secret, () => record, attached));
  server.maxConnections = MAX_LOCK_CONNECTIONS;
  if (!(await listen(server, address))) {
    if (address.startsWith('\0') || (await readOwner(home).catch(() => 'foreign')) !== null) return null;
    rmSync(address, { force: true });
    if (!(await listen(server, address))) return null;
  }
  server.unref();
  return {
    publish(next) {
      record = next;
    },
    attachedCommands: () => attached.size,
    release: () =>
      new Promise<void>((resolve) => {
        for (const socket of attached) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * One connection to the lock: a hello line `<nonce> [<attach proof> <attach nonce>]` within
 * HELLO_TIMEOUT_MS, answered with the record and the owner's proof; a proven attach stays open.
 */
function answer(socket: Socket, secret: string, record: () => OwnerRecord, attached: Set<Socket>): void {
  let hello = '';
  socket.on('error', () => {}); // a reader that gave up before the answer
  const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
  socket.on('close', () => {
    clearTimeout(timer);
    attached.delete(socket);
  });
  socket.on('data', (chunk: Buffer) => {
    if (attached.has(socket)) return;
    hello += chunk.toString('latin1');
    if (hello.length > MAX_HELLO_BYTES) return void socket.destroy();
    const end = hello.indexOf('\n');
    if (end < 0) return;
    clearTimeout(timer);
    const [nonce, attachProof, attachNonce] = hello.slice(0, end).split(' ');
    if (!/^[0-9a-f]{32}$/.test(nonce ?? '')) return void socket.destroy();
    const answer = `${JSON.stringify({ ...record(), proof: proof(secret, 'owner', nonce) })}\n`;
    if (
      attachNonce &&
      /^[0-9a-f]{32}$/.test(attachNonce) &&
      sameProof(attachProof, proof(secret, 'attach', attachNonce))
    ) {
      attached.add(socket);
      socket.write(answer);
    } else {
      socket.end(answer);
    }
  });
}

function listen(server: Server, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ path: address, exclusive: true }, () => resolve(true));
  });
}

/**
 * What the home's owner publishes, or null when no process holds the home (or its holder does
 * not answer in time). Refuses, naming the home, a holder that cannot prove it is this user's.
 */
export async function readOwner(home: string, timeoutMs = 2_000): Promise<OwnerRecord | null> {
  const session = await connectOwner(home, false, timeoutMs);
  session?.close();
  return session?.record ?? null;
}

/** Attaches to the home's owner: it counts this command until close(). Null when none answers. */
export function attachOwner(home: string, timeoutMs = 2_000): Promise<OwnerSession | null> {
  return connectOwner(home, true, timeoutMs);
}

function connectOwner(home: string, attach: boolean, timeoutMs: number): Promise<OwnerSession | null> {
  const address = lockAddress(home);
  const secret = homeSecret(prepareHome(home));
  const nonce = randomBytes(16).toString('hex');
  const attachNonce = randomBytes(16).toString('hex');
  return new Promise((resolve, reject) => {
    let text = '';
    let settled = false;
    const socket: Socket = createConnection({ path: address });
    const done = (record: OwnerRecord | null | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (record instanceof Error) reject(record);
      if (!record || record instanceof Error || !attach) socket.destroy();
      else socket.unref();
      if (!(record instanceof Error)) resolve(record && { record, close: () => socket.destroy() });
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('connect', () =>
      socket.write(attach ? `${nonce} ${proof(secret, 'attach', attachNonce)} ${attachNonce}\n` : `${nonce}\n`),
    );
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (text.length > MAX_RECORD_BYTES) done(foreignHolder(home, null));
      const end = text.indexOf('\n');
      if (end >= 0) done(trusted(home, text.slice(0, end), secret, nonce));
    });
    socket.on('end', () => done(text.includes('\n') ? null : text === '' ? null : foreignHolder(home, null)));
    socket.on('error', () => done(null));
  });
}

function trusted(home: string, line: string, secret: string, nonce: string): OwnerRecord | Error {
  let parsed: (OwnerRecord & { proof?: unknown }) | null = null;
  try {
    parsed = JSON.parse(line) as OwnerRecord & { proof?: unknown };
  } catch {
    return foreignHolder(home, null);
  }
  if (!parsed || typeof parsed !== 'object' || !sameProof(parsed.proof, proof(secret, 'owner', nonce)))
    return foreignHolder(home, parsed);
  const { proof: _proof, ...record } = parsed;
  return record;
}

function foreignHolder(home: string, claimed: { pid?: unknown } | null): Error {
  const pid = typeof claimed?.pid === 'number' ? `, claiming to be process ${claimed.pid}` : '';
  return new RequestError(
    'NAS_HOME',
    `the lock of ${home} is held by a process that cannot prove it is yours (it does not know the home's secret${pid}); stop it, or use another NAS_HOME`,
  );
}
