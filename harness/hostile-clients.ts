/**
 * The clients issue 26's probe turned on the owner of a home, as real sockets and psql processes:
 * used by tests/owner-liveness.test.ts and bench/database-endpoint.ts. Each returns a handle
 * whose stop() ends it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import postgres from 'postgres';
import { md5Password } from '../stack/database-endpoint.ts';

export interface Hostile {
  stop(): void;
}

export function psql(port: number, password: string, ...args: string[]): ChildProcess {
  return spawn(
    'psql',
    [`host=127.0.0.1 port=${port} user=nas dbname=postgres sslmode=disable connect_timeout=5`, '-X', '-q', ...args],
    {
      env: { ...process.env, PGPASSWORD: password },
    },
  );
}

export function outputOf(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** psql in a transaction (`BEGIN; SELECT 1;`), then idle, or with `SELECT 1;` every `everyMs`. */
export function idleInTransaction(port: number, password: string, everyMs?: number): Hostile {
  const client = psql(port, password);
  client.on('error', () => {});
  client.stdin!.write('BEGIN;\nSELECT 1;\n');
  const timer = everyMs ? setInterval(() => client.stdin!.write('SELECT 1;\n'), everyMs) : undefined;
  return {
    stop() {
      clearInterval(timer);
      client.kill('SIGKILL');
    },
  };
}

/** psql running `SELECT pg_sleep(seconds)`. */
export function sleeper(port: number, password: string, seconds: number): Hostile {
  const client = psql(port, password, '-c', `SELECT pg_sleep(${seconds})`);
  client.on('error', () => {});
  return { stop: () => client.kill('SIGKILL') };
}

/** A connection that reads (and drops) what the owner sends, so that it sees the owner close it. */
export function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
    socket.resume();
  });
}

export function closedWithin(socket: Socket, timeoutMs: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function startupMessage(): Buffer {
  const body = Buffer.from('user\0nas\0database\0postgres\0\0');
  const message = Buffer.alloc(8 + body.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(196608, 4);
  body.copy(message, 8);
  return message;
}

/** A connection that passed the md5 handshake and got its first ReadyForQuery. */
export async function authenticated(port: number, password: string): Promise<Socket> {
  const socket = await open(port);
  let received = Buffer.alloc(0);
  const ready = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      const first = received.length === 0;
      received = Buffer.concat([received, chunk]);
      if (first && received[0] === 0x52 && received.readInt32BE(5) === 5) {
        const answer = Buffer.from(`${md5Password('nas', password, received.subarray(9, 13))}\0`);
        const message = Buffer.alloc(5 + answer.length);
        message.write('p', 0);
        message.writeInt32BE(4 + answer.length, 1);
        answer.copy(message, 5);
        socket.write(message);
      }
      if (received.includes(Buffer.from([0x5a, 0, 0, 0, 5]))) resolve();
    });
    socket.once('close', () => reject(new Error('closed before ReadyForQuery')));
  });
  socket.write(startupMessage());
  await ready;
  return socket;
}

/** An authenticated client whose next message claims a length of -1. */
export async function negativeLength(port: number, password: string): Promise<Socket> {
  const socket = await authenticated(port, password);
  socket.on('error', () => {});
  socket.write(Buffer.from([0x51, 0xff, 0xff, 0xff, 0xff]));
  return socket;
}

/** An unauthenticated startup packet announcing 2 GB, sent until the owner closes it or `maxBytes` went out. */
export async function endlessStartup(
  port: number,
  maxBytes: number,
): Promise<{ socket: Socket; sent: Promise<number> }> {
  const socket = await open(port);
  socket.on('error', () => {});
  const header = Buffer.alloc(8);
  header.writeInt32BE(0x7fffffff, 0);
  header.writeInt32BE(196608, 4);
  socket.write(header);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const sent = (async () => {
    let bytes = 0;
    while (!socket.destroyed && bytes < maxBytes) {
      if (!socket.write(chunk))
        await Promise.race([new Promise((r) => socket.once('drain', r)), closedWithin(socket, 1_000)]);
      bytes += chunk.length;
    }
    return bytes;
  })();
  return { socket, sent };
}

/** A connection that never says anything. */
export async function silent(port: number): Promise<Socket> {
  const socket = await open(port);
  socket.on('error', () => {});
  return socket;
}

/**
 * A read nas's shapes admit whose work grows as rows²: the count of a cross join of the first
 * `rows` rows of pg_attribute (3,000 and more in any database) with themselves. The planner prices
 * it at about 0.0152 · rows² (15,169 for 1,000 rows).
 */
export function crossJoinRead(rows: number): string {
  const side = `(select 1 from pg_attribute limit ${rows})`;
  return `select count(*)::int as n from ${side} a, ${side} b`;
}

/** The cross join the owner still admits under a cost bound: priced at 90% of it. */
export function heaviestAdmittedRead(maxCost: number): string {
  return crossJoinRead(Math.floor(Math.sqrt((0.9 * maxCost) / 0.0152)));
}

export interface Readers extends Hostile {
  /** Answers and errors so far (an error's first line each). */
  answers(): number;
  errors(): string[];
}

/** `count` clients, each on its own connection, sending `text` back to back until stopped. */
export function readersBackToBack(port: number, password: string, count: number, text: string): Readers {
  let stopped = false;
  let answers = 0;
  const errors: string[] = [];
  const clients = Array.from({ length: count }, () =>
    postgres({
      host: '127.0.0.1',
      port,
      user: 'nas',
      password,
      database: 'postgres',
      max: 1,
      prepare: false,
      onnotice: () => {},
    }),
  );
  for (const sql of clients) {
    void (async () => {
      while (!stopped) {
        try {
          await sql.unsafe(text);
          answers++;
        } catch (error) {
          if (!stopped) errors.push(String((error as Error).message).split('\n')[0]);
        }
      }
    })();
  }
  return {
    answers: () => answers,
    errors: () => errors,
    stop() {
      stopped = true;
      for (const sql of clients) void sql.end({ timeout: 0 }).catch(() => {});
    },
  };
}
