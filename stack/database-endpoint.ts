/**
 * Serves the owner's in-process PGlite to other local `nas` processes as a Postgres endpoint.
 *
 * PGlite is one session. Clients get correct answers only if nothing else runs on that session
 * between the messages of one of their queries, or inside one of their transactions. So each
 * connection's messages are buffered up to a Sync or Flush (extended protocol) or a Query (simple
 * protocol) and run together, holding PGlite's transaction lock: the lock the owner's own queries
 * and transactions take. The connection keeps that lock until a response ends with ReadyForQuery
 * outside a transaction (status I): across a Flush (a statement described before it is bound)
 * and across an open transaction. A connection that disconnects, or stays silent for longer than
 * IDLE_HOLDING_LOCK_MS while holding the lock, is dropped and its transaction rolled back.
 *
 * Clients authenticate with MD5 against a per-home password; the endpoint listens on loopback only.
 * (pglite-socket 0.0.22 queued message by message, so Parse/Bind/Execute of different clients
 * interleaved on the unnamed statement; 0.2.17 still does outside explicit transactions.)
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

export const ENDPOINT_USER = 'nas';
const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const IDLE_HOLDING_LOCK_MS = 60_000;
const SYNC = 0x53; // 'S'
const FLUSH = 0x48; // 'H'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'
const READY_FOR_QUERY = 0x5a; // 'Z'

export interface DatabaseEndpoint {
  port: number;
  /** Connections open now: other `nas` commands using the database. */
  connections(): number;
  stop(): Promise<void>;
}

export async function serveDatabase(pglite: PGlite, password: string): Promise<DatabaseEndpoint> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    new EndpointConnection(pglite, password, socket).start();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => sockets.size,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** MD5 password check as Postgres does it: "md5" + md5(md5(password + user) + salt). */
export function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password + user).digest('hex');
  return 'md5' + createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex');
}

type Phase = 'startup' | 'password' | 'ready' | 'closed';

class EndpointConnection {
  private buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private phase: Phase = 'startup';
  private startupMessage: Buffer | null = null;
  private user = '';
  private readonly salt = randomBytes(4);
  /** Releases PGlite's transaction lock while this connection holds it across batches. */
  private releaseLock: (() => void) | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly pglite: PGlite,
    private readonly password: string,
    private readonly socket: Socket,
  ) {}

  start(): void {
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.work = this.work.then(() => this.drain()).catch(() => this.close());
    });
    this.socket.on('error', () => this.close());
    this.socket.on('close', () => this.close());
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.phase === 'closed') return;
      const message = this.phase === 'startup' ? this.takeStartupMessage() : this.takeMessage();
      if (!message) return;
      if (this.phase === 'startup') this.onStartup(message);
      else if (this.phase === 'password') await this.onPassword(message);
      else await this.onMessage(message);
    }
  }

  private takeStartupMessage(): Buffer | null {
    if (this.buffer.length < 4) return null;
    const length = this.buffer.readInt32BE(0);
    return this.take(length);
  }

  private takeMessage(): Buffer | null {
    if (this.buffer.length < 5) return null;
    return this.take(1 + this.buffer.readInt32BE(1));
  }

  private take(length: number): Buffer | null {
    if (this.buffer.length < length) return null;
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return Buffer.from(message);
  }

  private onStartup(message: Buffer): void {
    const code = message.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSS_REQUEST) {
      this.socket.write('N');
      return;
    }
    if (code === CANCEL_REQUEST) {
      this.close();
      return;
    }
    this.startupMessage = message;
    this.user = startupParameters(message).user ?? '';
    const request = Buffer.alloc(13);
    request.write('R', 0);
    request.writeInt32BE(12, 1);
    request.writeInt32BE(5, 5);
    this.salt.copy(request, 9);
    this.socket.write(request);
    this.phase = 'password';
  }

  private async onPassword(message: Buffer): Promise<void> {
    const given = message[0] === 0x70 ? message.subarray(5, message.length - 1).toString() : '';
    if (this.user !== ENDPOINT_USER || given !== md5Password(ENDPOINT_USER, this.password, this.salt)) {
      this.socket.end(errorResponse('28P01', `password authentication failed for user "${this.user.slice(0, 63)}"`));
      this.close();
      return;
    }
    this.phase = 'ready';
    // PGlite asks for a password of its own, and takes any; the answer then opens the session.
    const response = await this.pglite.runExclusive(async () => {
      const challenge = Buffer.from(await this.pglite.execProtocolRaw(this.startupMessage!));
      const asksPassword = challenge[0] === 0x52 && challenge.readInt32BE(5) !== 0;
      return asksPassword ? this.pglite.execProtocolRaw(passwordMessage(md5Password(ENDPOINT_USER, '', challenge.subarray(9, 13)))) : challenge;
    });
    this.socket.write(response);
  }

  private async onMessage(message: Buffer): Promise<void> {
    if (message[0] === TERMINATE) {
      this.close();
      return;
    }
    this.pending.push(message);
    if (message[0] !== SYNC && message[0] !== QUERY && message[0] !== FLUSH) return;
    const batch = Buffer.concat(this.pending);
    this.pending = [];
    await this.holdLock();
    this.clearIdleTimer();
    const response = Buffer.from(await this.pglite.runExclusive(() => this.pglite.execProtocolRaw(batch)));
    if (this.phase !== 'closed') this.socket.write(response);
    if (endsIdle(response)) this.dropLock();
    else this.idleTimer = setTimeout(() => this.close(), IDLE_HOLDING_LOCK_MS);
  }

  private async holdLock(): Promise<void> {
    if (this.releaseLock) return;
    await new Promise<void>((acquired) => {
      void this.pglite._runExclusiveTransaction(
        () =>
          new Promise<void>((release) => {
            this.releaseLock = release;
            acquired();
          }),
      );
    });
  }

  private dropLock(): void {
    const release = this.releaseLock;
    this.releaseLock = null;
    release?.();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Ends the connection; a transaction it left open is rolled back before anyone else runs. */
  private close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.clearIdleTimer();
    this.socket.destroy();
    if (!this.releaseLock) return;
    void this.pglite
      .runExclusive(() => this.pglite.execProtocolRaw(simpleQuery('ROLLBACK')))
      .catch(() => {})
      .finally(() => this.dropLock());
  }
}

function startupParameters(message: Buffer): Record<string, string> {
  const parts = message.subarray(8).toString().split('\0');
  const parameters: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) parameters[parts[i]] = parts[i + 1];
  return parameters;
}

/** Whether the response ends with ReadyForQuery outside a transaction (status I, not T or E). */
function endsIdle(response: Buffer): boolean {
  const at = response.length - 6;
  return at >= 0 && response[at] === READY_FOR_QUERY && response[at + 5] === 0x49; // 'I'
}

/** A protocol message: its type byte, its length, its body. */
function message(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.write(type, 0);
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

function passwordMessage(password: string): Buffer {
  return message('p', Buffer.from(`${password}\0`));
}

function simpleQuery(text: string): Buffer {
  return message('Q', Buffer.from(`${text}\0`));
}

function errorResponse(code: string, text: string): Buffer {
  return message('E', Buffer.from(`SFATAL\0C${code}\0M${text}\0\0`));
}
