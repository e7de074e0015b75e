import { eq, lte, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { checkpoints } from '../schema';

/**
 * Stores the weights after `epoch`. An older epoch never replaces a newer one
 * (a late write from a superseded attempt); returns whether it was stored.
 */
export async function saveCheckpoint(db: Database, trialId: string, epoch: number, bytes: Uint8Array): Promise<boolean> {
  const stored = await db
    .insert(checkpoints)
    .values({ trialId, epoch, weights: bytes })
    .onConflictDoUpdate({
      target: checkpoints.trialId,
      set: { epoch, weights: bytes, updatedAt: sql`now()` },
      setWhere: lte(checkpoints.epoch, epoch),
    })
    .returning({ trialId: checkpoints.trialId });
  return stored.length > 0;
}

export async function loadCheckpoint(db: Database, trialId: string): Promise<{ epoch: number; bytes: Uint8Array } | null> {
  const [row] = await db
    .select({ epoch: checkpoints.epoch, bytes: checkpoints.weights })
    .from(checkpoints)
    .where(eq(checkpoints.trialId, trialId));
  return row ?? null;
}

export async function deleteCheckpoint(db: Database, trialId: string): Promise<void> {
  await db.delete(checkpoints).where(eq(checkpoints.trialId, trialId));
}
