import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDatabase, type DatabaseEndpoint } from '../stack/database-endpoint';

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
  it('refuses a wrong password and a wrong user', async () => {
    for (const sql of [connect('wrong'), connect(PASSWORD, 'postgres')]) {
      await expect(sql`select 1`).rejects.toThrow(/password authentication failed/);
      await sql.end({ timeout: 1 });
    }
  });

  it("gives every client the answers to its own queries and transactions while the owner writes", async () => {
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
        for (let round = 0; round < rounds; round++) {
          const [echo] = await sql`select ${id * 1000 + round}::int as n, ${`client ${id}`}::text as who`;
          expect(echo).toEqual({ n: id * 1000 + round, who: `client ${id}` });
          const seen = await sql.begin(async (tx) => {
            await tx`insert into marks values (${id}, ${round})`;
            await tx`insert into marks values (${id}, ${round})`;
            const [{ n }] = await tx`select count(*)::int as n from marks where client = ${id}`;
            return n as number;
          });
          expect(seen).toBe(2 * (round + 1));
        }
      } finally {
        await sql.end({ timeout: 1 });
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
    ownerRunning = false;
    await owner;
    const { rows } = await pglite.query<{ n: number }>('select count(*)::int as n from marks where client >= 0');
    expect(rows[0].n).toBe(clients * rounds * 2);
    expect(ownerWrites).toBeGreaterThan(0);
  }, 60_000);

  it('rolls back the transaction of a client that disconnects inside it, and lets others go on', async () => {
    const sql = connect();
    const reserved = await sql.reserve();
    await reserved`begin`;
    await reserved`insert into marks values (999, 1)`;
    reserved.release();
    await sql.end({ timeout: 0 });
    const { rows } = await pglite.query<{ n: number }>('select count(*)::int as n from marks where client = 999');
    expect(rows[0].n).toBe(0);
  });
});
