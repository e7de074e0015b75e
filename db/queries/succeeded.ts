import { sql } from 'drizzle-orm';
import { trials } from '../schema.ts';

/**
 * A trial with a usable result: it succeeded itself, or it reused the result
 * of a trial that succeeded (a reused diverged result does not count).
 */
export const hasSucceededResult = sql`(${trials.status} = 'succeeded' or (${trials.status} = 'reused' and exists (
  select 1 from ${trials} as reuse_source
  where reuse_source.id = ${trials.reusedFrom} and reuse_source.status = 'succeeded')))`;
