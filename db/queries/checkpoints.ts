import { eq, lte, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { checkpoints } from '../schema.ts';

/*
 * Weights travel as base64 text, decoded and encoded by the server. PGlite
 * serializes a bytea parameter byte by byte on the event loop (about 0.5 s per
 * MB, so a 20 MB checkpoint blocked an embedded stack's workers for 10 s and
 * more); base64 is an order of magnitude faster there and costs little on
 * Postgres.
 */
const fromBase64 = (bytes: Uint8Array) =>
  sql`decode(${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}, 'base64')`;

/**
 * Stores the weights after `epoch`. An older epoch never replaces a newer one
 * (a late write from a superseded attempt); returns whether it was stored.
 */
export async function saveCheckpoint(
  db: Database,
  trialId: string,
  epoch: number,
  bytes: Uint8Array,
): Promise<boolean> {
  const stored = await db
    .insert(checkpoints)
    .values({ trialId, epoch, weights: fromBase64(bytes) })
    .onConflictDoUpdate({
      target: checkpoints.trialId,
      set: { epoch, weights: fromBase64(bytes), updatedAt: sql`now()` },
      setWhere: lte(checkpoints.epoch, epoch),
    })
    .returning({ trialId: checkpoints.trialId });
  return stored.length > 0;
}

export async function loadCheckpoint(
  db: Database,
  trialId: string,
): Promise<{ epoch: number; bytes: Uint8Array } | null> {
  const [row] = await db
    .select({ epoch: checkpoints.epoch, base64: sql<string>`encode(${checkpoints.weights}, 'base64')` })
    .from(checkpoints)
    .where(eq(checkpoints.trialId, trialId));
  if (!row) return null;
  const decoded = Buffer.from(row.base64, 'base64');
  return { epoch: row.epoch, bytes: new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength) };
}

export async function deleteCheckpoint(db: Database, trialId: string): Promise<void> {
  await db.delete(checkpoints).where(eq(checkpoints.trialId, trialId));
}
