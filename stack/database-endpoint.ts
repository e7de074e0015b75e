/**
 * Serves the owner's in-process PGlite to other local `nas` processes, for reading, as a Postgres
 * endpoint on loopback (MD5 against the home's password).
 *
 * Design (issue 26). PGlite is one session running in the owner's own thread: while it runs a
 * client's statement, the owner records nothing, and no timer can stop that statement (PGlite
 * ignores statement_timeout: pg_sleep(3) under a 500 ms limit ran 3 s). So the owner serves what
 * readers need, not SQL in general:
 * - statements of the shape of nas's own read queries only (stack/reader-sql.ts), each client's
 *   batch in a read-only transaction the endpoint opens and ends itself: no client can write,
 *   change the session or keep a transaction open between its batches;
 * - a client holds the session only from its first message of a statement to its Sync (a Flush
 *   in between: postgres.js describes a statement before binding it), and at most UNIT_MS in all,
 *   however often it speaks; then it is disconnected;
 * - client reads take turns (stack/read-turns.ts): one at a time enters PGlite's queue, so the
 *   owner's own writes wait behind one client read at most, not behind every client's;
 * - each read is priced by the planner before it runs and refused above MAX_READ_COST
 *   (stack/read-cost.ts): so the owner waits at most about UNIT_MS plus one bounded read;
 * - bounded input: a startup packet of at most MAX_STARTUP_BYTES within STARTUP_MS, messages of
 *   at most MAX_MESSAGE_BYTES, MAX_CONNECTIONS at once; anything malformed closes that connection.
 * Raw SQL goes to a Postgres server (DATABASE_URL), not to the owner of an embedded home.
 * Why not typed requests on the lock socket instead: every reader (commands, the dashboard,
 * export, finalize) reads through drizzle; keeping the wire protocol keeps that one interface
 * while the admitted statements stay the fixed set drizzle generates for them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { priceOf } from './read-cost.ts';
import { ReadTurns } from './read-turns.ts';
import { refusalOf } from './reader-sql.ts';
import {
  GSS_REQUEST,
  PROTOCOL_3,
  SSL_REQUEST,
  asIdle,
  cstrings,
  errorResponse,
  md5Request,
  passwordMessage,
  readyForQuery,
  simpleQuery,
  startupMessage,
  startupParameters,
  withoutNotices,
} from './wire-messages.ts';

export const ENDPOINT_USER = 'nas';
export const LIMITS = {
  STARTUP_MS: 5_000,
  UNIT_MS: 1_000,
  MAX_STARTUP_BYTES: 10_000,
  MAX_MESSAGE_BYTES: 1 << 20,
  MAX_CONNECTIONS: 64,
  MAX_READ_COST: 20_000,
};
/** Message types a reader sends: Parse, Bind, Describe, Execute, Sync, Flush, Close, Query, Terminate. */
const READER_MESSAGES = new Set('PBDESHCQX');

export interface DatabaseEndpoint {
  port: number;
  /** Authenticated connections open now. */
  connections(): number;
  stop(): Promise<void>;
}

export async function serveDatabase(pglite: PGlite, password: string): Promise<DatabaseEndpoint> {
  const sockets = new Set<Socket>();
  const authenticated = new Set<EndpointConnection>();
  const turns = new ReadTurns();
  const server = createServer((socket) => {
    if (sockets.size >= LIMITS.MAX_CONNECTIONS) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    const connection = new EndpointConnection(pglite, password, socket, authenticated, turns);
    socket.once('close', () => {
      sockets.delete(socket);
      authenticated.delete(connection);
    });
    connection.start();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => authenticated.size,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** MD5 password check as Postgres does it: "md5" + md5(md5(password + user) + salt). */
export function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5')
    .update(password + user)
    .digest('hex');
  return (
    'md5' +
    createHash('md5')
      .update(Buffer.concat([Buffer.from(inner), salt]))
      .digest('hex')
  );
}

type Phase = 'startup' | 'password' | 'ready' | 'closed';

class EndpointConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private phase: Phase = 'startup';
  private startup: Record<string, string> = {};
  private readonly salt = randomBytes(4);
  /** The text of the statement this connection's next batch parses, to be priced before it runs. */
  private statement: string | null = null;
  /** Set while a refused statement's messages are skipped up to its Sync. */
  private refused = false;
  /** Releases PGlite's transaction lock while this connection holds it (one statement, up to its Sync). */
  private releaseLock: (() => void) | null = null;
  private timer: NodeJS.Timeout;
  private work: Promise<void> = Promise.resolve();

  private readonly pglite: PGlite;
  private readonly password: string;
  private readonly socket: Socket;
  private readonly authenticated: Set<EndpointConnection>;
  private readonly turns: ReadTurns;
  constructor(
    pglite: PGlite,
    password: string,
    socket: Socket,
    authenticated: Set<EndpointConnection>,
    turns: ReadTurns,
  ) {
    this.pglite = pglite;
    this.password = password;
    this.socket = socket;
    this.authenticated = authenticated;
    this.turns = turns;
    this.timer = setTimeout(() => this.close(), LIMITS.STARTUP_MS);
  }

  start(): void {
    this.socket.on('data', (chunk: Buffer) => {
      if (this.phase === 'closed') return;
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      if (this.buffer.length > LIMITS.MAX_MESSAGE_BYTES + LIMITS.MAX_STARTUP_BYTES) {
        this.close();
        return;
      }
      this.work = this.work.then(() => this.drain()).catch(() => this.close());
    });
    this.socket.on('error', () => this.close());
    this.socket.on('close', () => this.close());
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.phase === 'closed') return;
      const message =
        this.phase === 'startup'
          ? this.take(0, 8, LIMITS.MAX_STARTUP_BYTES)
          : this.take(1, 4, LIMITS.MAX_MESSAGE_BYTES);
      if (message === 'malformed') {
        this.fail('08P01', 'malformed message');
        return;
      }
      if (!message) return;
      if (this.phase === 'startup') this.onStartup(message);
      else if (this.phase === 'password') await this.onPassword(message);
      else await this.onMessage(message);
    }
  }

  /** The next message whose length field is at `at`; its length counts from there and is checked first. */
  private take(at: number, minimum: number, maximum: number): Buffer | null | 'malformed' {
    if (this.buffer.length < at + 4) return null;
    const length = this.buffer.readInt32BE(at);
    if (length < minimum || length > maximum) return 'malformed';
    if (this.buffer.length < at + length) return null;
    const message = Buffer.from(this.buffer.subarray(0, at + length));
    this.buffer = this.buffer.subarray(at + length);
    return message;
  }

  private onStartup(message: Buffer): void {
    const code = message.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSS_REQUEST) {
      this.socket.write('N');
      return;
    }
    if (code !== PROTOCOL_3) {
      this.close(); // a cancel request, or a protocol we do not speak
      return;
    }
    this.startup = startupParameters(message);
    this.socket.write(md5Request(this.salt));
    this.phase = 'password';
  }

  private async onPassword(message: Buffer): Promise<void> {
    const given = message[0] === 0x70 ? message.subarray(5, message.length - 1).toString() : '';
    const user = this.startup.user ?? '';
    if (user !== ENDPOINT_USER || given !== md5Password(ENDPOINT_USER, this.password, this.salt)) {
      this.fail('28P01', `password authentication failed for user "${user.slice(0, 63)}"`);
      return;
    }
    clearTimeout(this.timer);
    this.phase = 'ready';
    this.authenticated.add(this);
    // PGlite asks for a password of its own, and takes any; the answer then opens the session.
    // Only the user and database reach it: a client's startup options never set the session.
    const startup = startupMessage({ user: ENDPOINT_USER, database: this.startup.database ?? 'postgres' });
    const endTurn = await this.turns.take();
    const response = await this.pglite
      ._runExclusiveTransaction(() =>
        this.pglite.runExclusive(async () => {
          const challenge = Buffer.from(await this.pglite.execProtocolRaw(startup));
          const asksPassword = challenge[0] === 0x52 && challenge.readInt32BE(5) !== 0;
          return asksPassword
            ? this.pglite.execProtocolRaw(passwordMessage(md5Password(ENDPOINT_USER, '', challenge.subarray(9, 13))))
            : challenge;
        }),
      )
      .finally(endTurn);
    if (!this.closed()) this.socket.write(withoutNotices(Buffer.from(response)));
  }

  private async onMessage(message: Buffer): Promise<void> {
    const type = String.fromCharCode(message[0]);
    if (!READER_MESSAGES.has(type))
      return this.fail('08P01', `message type ${JSON.stringify(type)} is not served to readers`);
    if (type === 'X') return this.close();
    const refusal = this.refusalOf(type, message);
    if (refusal) return this.refuse(type, readerRefusal(refusal));
    if (this.refused) {
      if (type === 'S') this.endRefusal();
      return;
    }
    this.pending.push(message);
    this.pendingBytes += message.length;
    if (this.pendingBytes > LIMITS.MAX_MESSAGE_BYTES) return this.fail('54000', 'statement too large');
    if (type === 'S' || type === 'Q' || type === 'H') await this.run(type !== 'H');
  }

  /** Why this message is refused, or null; a statement it admits is kept to be priced. */
  private refusalOf(type: string, message: Buffer): string | null {
    if (type === 'Q' || type === 'P') {
      const [name, text] = type === 'Q' ? ['', cstrings(message, 5, 1)[0] ?? ''] : cstrings(message, 5, 2);
      if (name !== '') return 'named statements are not served';
      const refusal = refusalOf(text ?? '');
      if (!refusal) this.statement = text ?? '';
      return refusal;
    }
    if (type === 'B')
      return cstrings(message, 5, 2).some((name) => name !== '') ? 'named portals and statements are not served' : null;
    return null;
  }

  /** Answers a refused statement as Postgres answers an error: at once, then idle at its Sync. */
  private refuse(type: string, error: Buffer): void {
    this.socket.write(error);
    this.statement = null;
    this.pending = [];
    this.pendingBytes = 0;
    if (type === 'Q') this.endRefusal();
    else this.refused = true;
  }

  private endRefusal(): void {
    this.refused = false;
    this.socket.write(readyForQuery());
    this.endUnit();
  }

  /** Runs the pending messages in the client's read-only transaction; `last`: the statement ends here. */
  private async run(last: boolean): Promise<void> {
    const batch = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.releaseLock) await this.beginUnit();
    if (this.closed()) return;
    if (this.statement !== null) {
      const refusal = await this.priceRefusal(this.statement);
      this.statement = null;
      if (this.closed()) return;
      if (refusal) return this.refuse(last ? 'Q' : 'P', refusal);
    }
    const response = asIdle(
      withoutNotices(Buffer.from(await this.pglite.runExclusive(() => this.pglite.execProtocolRaw(batch)))),
    );
    if (this.closed()) return;
    this.socket.write(response);
    if (last) this.endUnit();
  }

  /** The error that refuses a statement priced above the bound (or that could not be priced), or null. */
  private async priceRefusal(text: string): Promise<Buffer | null> {
    const price = await priceOf(this.pglite, text);
    if ('error' in price) return price.error;
    if (price.cost <= LIMITS.MAX_READ_COST) return null;
    return readerRefusal(
      `the planner prices this read at ${Math.round(price.cost)}, above the ${LIMITS.MAX_READ_COST} a client's read may cost`,
    );
  }

  private async beginUnit(): Promise<void> {
    const endTurn = await this.turns.take();
    await new Promise<void>((acquired) => {
      void this.pglite._runExclusiveTransaction(
        () =>
          new Promise<void>((release) => {
            this.releaseLock = () => {
              release();
              endTurn();
            };
            acquired();
          }),
      );
    });
    this.timer = setTimeout(
      () => this.fail('57014', `a statement may hold the owner's database for ${LIMITS.UNIT_MS} ms at most`),
      LIMITS.UNIT_MS,
    );
    if (this.closed()) return this.endUnit();
    // PGlite's session runs with enable_seqscan off, which adds 10^10 to the price of any plan that
    // must scan a table; a client's read is planned, priced and run as Postgres does by default.
    const begin = simpleQuery('BEGIN READ ONLY; SET LOCAL enable_seqscan = on');
    await this.pglite.runExclusive(() => this.pglite.execProtocolRaw(begin));
  }

  /** Ends the client's transaction, if it has one, before anyone else runs; releases the session. */
  private endUnit(): void {
    clearTimeout(this.timer);
    const release = this.releaseLock;
    if (!release) return;
    this.releaseLock = null;
    void this.pglite
      .runExclusive(() => this.pglite.execProtocolRaw(simpleQuery('ROLLBACK')))
      .catch(() => {})
      .finally(release);
  }

  /** Whether the connection closed meanwhile (while this connection awaited the database). */
  private closed(): boolean {
    return this.phase === 'closed';
  }

  /** Tells the client why, then closes its connection (in a second at most if it does not read). */
  private fail(code: string, text: string): void {
    if (this.phase === 'closed') return;
    this.socket.end(errorResponse(code, text, 'FATAL'));
    this.close(false);
  }

  private close(destroy = true): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.authenticated.delete(this);
    this.buffer = Buffer.alloc(0);
    this.pending = [];
    if (destroy) this.socket.destroy();
    else setTimeout(() => this.socket.destroy(), 1_000).unref();
    this.endUnit();
  }
}

function readerRefusal(reason: string): Buffer {
  return errorResponse(
    '42501',
    `the owner of this home serves nas's read queries only (${reason}); run SQL of your own against a Postgres server (DATABASE_URL)`,
  );
}
