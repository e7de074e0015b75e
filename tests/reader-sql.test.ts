import { describe, expect, it } from 'vitest';
import { refusalOf } from '../stack/reader-sql.ts';

describe('the statements the owner of a home runs for other processes', () => {
  it("admits the shapes of nas's reads, as drizzle and postgres.js write them", () => {
    for (const text of [
      'select "id", "status" from "searches" where ("searches"."id" = $1 and "searches"."kind" in ($2, $3)) limit $4',
      'select count(*) filter (where "trials"."status" not in (\'queued\', \'running\'))::int as "done" from "trials"',
      'with "best" as (select max("val_accuracy") as "v" from "trials") select coalesce("v", 0) from "best"',
      "select to_regclass('drizzle.__drizzle_migrations') is not null as present",
      // db/queries/sharing-rounds.ts, which `nas search status` of a weight-sharing search runs
      'select ("trials"."strategy_summary"->>\'round\')::int as "round", max(case when jsonb_typeof("strategy_summary"->\'trainLoss\') = \'number\' then ("trials"."strategy_summary"->>\'trainLoss\')::float8 end), count(*)::int, avg("val_accuracy")::float8 from "trials" where ("trials"."search_id" = $1 and "trials"."role" = $2) group by ("trials"."strategy_summary"->>\'round\')::int order by ("trials"."strategy_summary"->>\'round\')::int',
      "select b.oid, b.typarray from pg_catalog.pg_type a left join pg_catalog.pg_type b on b.oid = a.typelem where a.typcategory = 'A' group by b.oid, b.typarray order by b.oid",
      'SELECT 41 + 1;',
      "select 'a '' pg_sleep(1) in a string'",
    ]) {
      expect(refusalOf(text), text).toBeNull();
    }
  });

  it('refuses anything else, however it is spelled', () => {
    const refused: Array<[string, RegExp]> = [
      ['SELECT pg_sleep(20)', /pg_sleep/],
      ['select pg_catalog.pg_sleep(20)', /pg_sleep/],
      ['select "pg_sleep"(20)', /pg_sleep/],
      ['select PG_SLEEP (20)', /pg_sleep/],
      ['select count(*) from generate_series(1, 1e10)', /generate_series/],
      ["select E'\\'' || pg_sleep(1)", /pg_sleep/],
      ['with recursive t as (select 1 as n union all select n + 1 from t) select count(*) from t', /RECURSIVE/],
      ['BEGIN', /only SELECT/],
      ['set statement_timeout = 0', /only SELECT/],
      ['insert into trials values (1)', /only SELECT/],
      ['select 1; delete from trials', /one statement/],
      ['select 1 /* */', /comments/],
      ['select 1 -- x', /comments/],
      ['select $$x$$', /dollar/],
      ["select 'unterminated", /unterminated/],
    ];
    for (const [text, reason] of refused) expect(refusalOf(text), text).toMatch(reason);
  });
});
