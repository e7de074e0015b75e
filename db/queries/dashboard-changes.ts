/** A stamp that changes whenever a run's (or, without an id, any run's) trials, epochs or status change: what the dashboard's live pages watch. */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';

export async function changeStamp(db: Database, searchId?: string): Promise<string> {
  const scope = searchId === undefined ? sql`true` : sql`search_id = ${searchId}`;
  const searchScope = searchId === undefined ? sql`true` : sql`id = ${searchId}`;
  const result = (await db.execute(sql`
    select
      (select count(*) from trials where ${scope})::text || ':' ||
      (select count(*) filter (where status not in ('queued', 'running')) from trials where ${scope})::text || ':' ||
      (select count(*) filter (where status = 'running') from trials where ${scope})::text || ':' ||
      coalesce((select max(finished_at)::text from trials where ${scope}), '') || ':' ||
      (select count(*) from trial_epochs where trial_id in (select id from trials where ${scope}))::text || ':' ||
      coalesce((select string_agg(status || updated_at::text, ',' order by id) from searches where ${searchScope}), '') as stamp
  `)) as unknown as { rows?: Array<{ stamp: string }> } & Array<{ stamp: string }>;
  return (result.rows ?? result)[0]?.stamp ?? '';
}
