/**
 * A stand-in for the owner of a home, in its own process so that a hostile client that wedges it
 * cannot wedge the test: PGlite in memory, served by serveDatabase, and a loop that records a row
 * per millisecond as the owner's activities do. It prints `ready <port>`, then answers each line
 * `report` on stdin with one JSON line: rows recorded and the longest gap between two records
 * since the last report, its resident memory, and the clients it counts as attached.
 *
 *   node tests/support/endpoint-owner.ts <password>
 */
import { PGlite } from '@electric-sql/pglite';
import { createInterface } from 'node:readline';
import { serveDatabase } from '../../stack/database-endpoint.ts';

const password = process.argv[2] ?? 'home-secret';
const pglite = await PGlite.create('memory://');
await pglite.exec('create table records (n int not null, at double precision not null)');
const endpoint = await serveDatabase(pglite, password);

let recorded = 0;
let last = performance.now();
let longestGap = 0;
void (async () => {
  for (;;) {
    await pglite.transaction(async (tx) => {
      await tx.query('insert into records values ($1, $2)', [recorded, Date.now()]);
    });
    recorded++;
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    await new Promise((r) => setTimeout(r, 1));
  }
})();

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'report') return;
  const now = performance.now();
  const report = {
    recorded,
    longestGapMs: Math.round(Math.max(longestGap, now - last)),
    rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    attached: endpoint.connections(),
  };
  longestGap = 0;
  process.stdout.write(`${JSON.stringify(report)}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdout.write(`ready ${endpoint.port}\n`);
