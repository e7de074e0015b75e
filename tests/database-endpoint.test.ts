import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDatabase, type DatabaseEndpoint } from '../stack/database-endpoint.ts';

const PASSWORD = 'home-secret';
let pglite: PGlite;
let endpoint: DatabaseEndpoint;

function connect(password = PASSWORD, user = 'nas') {
  return postgres(`postgres://${user}:${password}@127.0.0.1:${endpoint.port}/postgres`, {
    max: 1,
    prepare: false,
    connect_timeout: 5,
    onnotice: () => {},
  });
}

beforeAll(async () => {
  pglite = await PGlite.create('memory://');
  await pglite.exec('create table marks (client int not null, n int not null)');
  endpoint = await serveDatabase(pglite, PASSWORD);
});

afterAll(async () => {
  await endpoint.stop();
  await pglite.close();
});

describe('the embedded database endpoint', () => {
  it("sends a client none of PGlite's DEBUG or NOTICE messages", async () => {
    const notices: string[] = [];
    const sql = postgres(`postgres://nas:${PASSWORD}@127.0.0.1:${endpoint.port}/postgres`, {
      max: 1,
      prepare: false,
      connect_timeout: 5,
      onnotice: (notice) => notices.push(`${notice.severity}: ${notice.message}`),
    });
    try {
      expect(await sql`select ${7}::int as n`).toEqual([{ n: 7 }]);
      expect(await sql.unsafe('select count(*)::int as n from marks')).toEqual([{ n: 0 }]);
    } finally {
      await sql.end({ timeout: 1 });
    }
    expect(notices).toEqual([]);
  });

  it('refuses a wrong password and a wrong user', async () => {
    for (const sql of [connect('wrong'), connect(PASSWORD, 'postgres')]) {
      await expect(sql`select 1`).rejects.toThrow(/password authentication failed/);
      await sql.end({ timeout: 1 });
    }
  });

  it('gives every client the answers to its own queries while the owner writes', async () => {
    const clients = 20;
    const rounds = 15;
    let ownerWrites = 0;
    let ownerRunning = true;
    const owner = (async () => {
      while (ownerRunning) {
        await pglite.transaction(async (tx) => {
          await tx.query('insert into marks values (-1, $1)', [ownerWrites]);
          const { rows } = await tx.query<{ n: number }>('select count(*)::int as n from marks where client = -1');
          expect(rows[0].n).toBe(ownerWrites + 1);
        });
        ownerWrites++;
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const client = async (id: number) => {
      const sql = connect();
      try {
        let seen = 0;
        for (let round = 0; round < rounds; round++) {
          const [echo] = await sql`select ${id * 1000 + round}::int as n, ${`client ${id}`}::text as who`;
          expect(echo).toEqual({ n: id * 1000 + round, who: `client ${id}` });
          const [{ n }] = await sql`select count(*)::int as n from marks where client = ${-1}`;
          expect(n).toBeGreaterThanOrEqual(seen); // the owner's rows only ever grow
          seen = n as number;
        }
      } finally {
        await sql.end({ timeout: 1 });
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
    ownerRunning = false;
    await owner;
    expect(ownerWrites).toBeGreaterThan(0);
  }, 60_000);

  it('refuses writes, transactions and statements of other shapes, each with a line naming DATABASE_URL, and serves the next query', async () => {
    const sql = connect();
    try {
      for (const refused of [
        sql`insert into marks values (999, 1)`,
        sql`begin`,
        sql`select pg_sleep(0.1)`,
        sql.unsafe('set statement_timeout = 0'),
      ]) {
        await expect(refused).rejects.toThrow(/serves nas's read queries only .*DATABASE_URL/);
      }
      // A data-modifying WITH has the shape of a read; the read-only transaction it runs in refuses it.
      await expect(sql`with gone as (delete from marks returning *) select count(*) from gone`).rejects.toThrow(
        /read-only transaction/,
      );
      const [{ n }] = await sql`select count(*)::int as n from marks where client = ${999}`;
      expect(n).toBe(0);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
