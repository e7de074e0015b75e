/**
 * The owner's recording with N clients, each on its own connection, sending the heaviest read the
 * owner admits (harness/hostile-clients.ts) back to back, against N = 0. Reported per N: the
 * owner's recording rate (trials/s) and its worst recording delay, the longest time between two
 * trials it recorded (trials.created_at, the time its transaction got the database), in the window.
 */
import postgres from 'postgres';
import { LIMITS } from '../stack/database-endpoint.ts';
import { heaviestAdmittedRead, readersBackToBack } from '../harness/hostile-clients.ts';

export interface HeavyReadersResult {
  clients: number;
  trialsPerSecond: number;
  worstDelayMs: number;
  readsAnswered: number;
  readErrors: number;
}

/** The times (ms since the epoch) at which the owner recorded the search's trials since `after`. */
async function recordedSince(url: string, searchId: string, after: number): Promise<number[]> {
  // Reads the clients sent before they stopped may still be queued before this one's turn.
  const sql = postgres(url, { max: 1, prepare: false, connect_timeout: 60, onnotice: () => {} });
  try {
    const rows = await sql`select extract(epoch from created_at)::float8 * 1000 as at from trials
      where search_id = ${searchId} and created_at > ${new Date(after)} order by created_at`;
    return rows.map((row) => row.at as number);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

async function measure(url: string, searchId: string, clients: number, seconds: number): Promise<HeavyReadersResult> {
  const { port, password } = new URL(url);
  const started = Date.now();
  const readers = readersBackToBack(
    Number(port),
    decodeURIComponent(password),
    clients,
    heaviestAdmittedRead(LIMITS.MAX_READ_COST),
  );
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const ended = Date.now();
  readers.stop();
  const times = (await recordedSince(url, searchId, started)).filter((at) => at <= ended);
  const edges = [started, ...times, ended];
  let worst = 0;
  for (let i = 1; i < edges.length; i++) worst = Math.max(worst, edges[i] - edges[i - 1]);
  return {
    clients,
    trialsPerSecond: Math.round((times.length / ((ended - started) / 1000)) * 10) / 10,
    worstDelayMs: Math.round(worst),
    readsAnswered: readers.answers(),
    readErrors: readers.errors().length,
  };
}

export async function measureHeavyReaders(
  url: string,
  searchId: string,
  levels: number[],
  seconds: number,
  log: (line: string) => void,
): Promise<HeavyReadersResult[]> {
  const results: HeavyReadersResult[] = [];
  for (const clients of levels) {
    const result = await measure(url, searchId, clients, seconds);
    results.push(result);
    log(
      `${String(clients).padStart(2)} clients sending the heaviest admitted read back to back: owner recorded ` +
        `${result.trialsPerSecond} trials/s, worst recording delay ${result.worstDelayMs} ms ` +
        `(${result.readsAnswered} reads answered, ${result.readErrors} errors)`,
    );
  }
  return results;
}
