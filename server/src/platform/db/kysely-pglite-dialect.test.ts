import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PGliteDialect } from './kysely-pglite-dialect.js';

interface Tables {
  counter: { id: number; value: number };
}

let db: Kysely<Tables>;

beforeAll(async () => {
  db = new Kysely<Tables>({ dialect: new PGliteDialect(new PGlite('memory://')) });
  await db.schema
    .createTable('counter')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('value', 'integer')
    .execute();
  await db.insertInto('counter').values({ id: 1, value: 0 }).execute();
});

afterAll(() => db.destroy());

const read = async () =>
  (await db.selectFrom('counter').select('value').where('id', '=', 1).executeTakeFirstOrThrow()).value;

it('runs concurrent transactions one after the other on the one connection', async () => {
  // Each reads, waits, then writes what it read plus one: interleaved on one connection, updates would be lost.
  const increment = () =>
    db.transaction().execute(async (trx) => {
      const { value } = await trx
        .selectFrom('counter')
        .select('value')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await trx
        .updateTable('counter')
        .set({ value: value + 1 })
        .where('id', '=', 1)
        .execute();
    });
  await Promise.all([increment(), increment(), increment(), read()]);
  expect(await read()).toBe(3);
});

it('rolls a failed transaction back and hands the connection on', async () => {
  const before = await read();
  await expect(
    db.transaction().execute(async (trx) => {
      await trx.updateTable('counter').set({ value: 100 }).where('id', '=', 1).execute();
      throw new Error('changed my mind');
    }),
  ).rejects.toThrow('changed my mind');
  expect(await read()).toBe(before);
});

it('counts the rows an update changed', async () => {
  const [changed] = await db
    .updateTable('counter')
    .set({ value: sql`value + 1` })
    .where('id', '=', 1)
    .execute();
  expect(changed?.numUpdatedRows).toBe(1n);
  const [none] = await db.updateTable('counter').set({ value: 0 }).where('id', '=', 2).execute();
  expect(none?.numUpdatedRows).toBe(0n);
});
