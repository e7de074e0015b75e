/**
 * What a client's read may cost the owner. Nothing interrupts a statement that PGlite runs (it
 * ignores statement_timeout), so a read is priced before it runs: the planner's estimate for its
 * generic plan (EXPLAIN (GENERIC_PLAN), in the client's own read-only transaction), refused above
 * MAX_READ_COST. A unit took 10-20 µs on a 2-core machine under load, and up to 60 µs with seven
 * times more runnable processes than cores: the heaviest admitted read runs in about a second at
 * worst there, nas's own reads of a home of thousands of trials cost hundreds of units. The bound is on the estimate: a read whose row counts the planner
 * misjudges by orders of magnitude still runs longer than priced.
 */
import type { PGlite } from '@electric-sql/pglite';
import { dataRowText, messagesOf, simpleQuery } from './wire-messages.ts';

/** The error PGlite gave while pricing the read (its own wire message), or the read's price. */
export type Price = { error: Buffer } | { cost: number };

export async function priceOf(pglite: PGlite, text: string): Promise<Price> {
  const explain = simpleQuery(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${text}`);
  const response = Buffer.from(await pglite.runExclusive(() => pglite.execProtocolRaw(explain)));
  let plan: string | null = null;
  for (const message of messagesOf(response)) {
    if (message[0] === 0x45) return { error: message }; // 'E'
    if (message[0] === 0x44) plan = dataRowText(message); // 'D'
  }
  const cost = plan === null ? Number.NaN : Number(JSON.parse(plan)?.[0]?.Plan?.['Total Cost']);
  return { cost: Number.isFinite(cost) ? cost : Number.POSITIVE_INFINITY };
}
