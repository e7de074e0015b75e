/**
 * The owner's recording rate (trials/s) with each of issue 26's hostile clients connected to its
 * database endpoint, one at a time, against the rate with none. The rate is read from the owner's
 * own table of trials; a read that cannot get through in HANG_MS counts as nothing recorded.
 */
import postgres from 'postgres';
import {
  endlessStartup,
  idleInTransaction,
  negativeLength,
  silent,
  sleeper,
  type Hostile,
} from '../harness/hostile-clients.ts';

const HANG_MS = 30_000;

export interface HostileResult {
  client: string;
  trialsPerSecond: number | null;
  /** Trials/s with no hostile client, measured just before. */
  withoutTrialsPerSecond: number | null;
}

const CLIENTS: Array<[string, (port: number, password: string) => Promise<Hostile>]> = [
  ['psql idle in a transaction', async (port, password) => idleInTransaction(port, password)],
  ['psql in a transaction, SELECT 1 every 0.5 s', async (port, password) => idleInTransaction(port, password, 500)],
  ['psql SELECT pg_sleep(20)', async (port, password) => sleeper(port, password, 20)],
  ['authenticated message of length -1', async (port, password) => socketHostile(await negativeLength(port, password))],
  [
    'endless unauthenticated startup packet',
    async (port) => socketHostile((await endlessStartup(port, 1 << 30)).socket),
  ],
  ['idle unauthenticated connection', async (port) => socketHostile(await silent(port))],
];

function socketHostile(socket: { destroy(): void }): Hostile {
  return { stop: () => socket.destroy() };
}

async function trialCount(url: string, searchId: string): Promise<number | null> {
  const sql = postgres(url, { max: 1, prepare: false, connect_timeout: 5, onnotice: () => {} });
  try {
    const query = sql`select count(*)::int as n from trials where search_id = ${searchId}`;
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), HANG_MS).unref());
    const rows = await Promise.race([query, timeout]);
    return rows ? (rows[0].n as number) : null;
  } catch {
    return null;
  } finally {
    void sql.end({ timeout: 1 }).catch(() => {});
  }
}

async function rate(url: string, searchId: string, seconds: number): Promise<number | null> {
  const first = await trialCount(url, searchId);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const last = await trialCount(url, searchId);
  if (first === null || last === null) return null;
  return Math.round(((last - first) / ((Date.now() - started) / 1000)) * 10) / 10;
}

export async function measureHostileClients(
  url: string,
  searchId: string,
  seconds: number,
  log: (line: string) => void,
): Promise<HostileResult[]> {
  const { port, password } = new URL(url);
  const results: HostileResult[] = [];
  for (const [client, start] of CLIENTS) {
    const without = await rate(url, searchId, seconds);
    const hostile = await start(Number(port), decodeURIComponent(password));
    let withIt: number | null;
    try {
      withIt = await rate(url, searchId, seconds);
    } finally {
      hostile.stop();
    }
    results.push({ client, trialsPerSecond: withIt, withoutTrialsPerSecond: without });
    log(`${client.padEnd(46)} owner recorded ${withIt ?? 'no answer:'} trials/s (${without} without it)`);
  }
  return results;
}
