/** The PostgreSQL fixture against the real server: it must be there, and a missing one is said loudly. */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { createPostgresDatabase, POSTGRES_ADMIN_URL } from './postgres.js';

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('createPostgresDatabase', () => {
  it('gives an empty database of its own on the real server, and drops it', async () => {
    const db = await createPostgresDatabase();
    try {
      expect(db.url).toBe(`postgres://postgres@127.0.0.1:5432/${db.database}`);
      expect(await query(db.url, 'select current_database() as name')).toEqual([{ name: db.database }]);
      await query(db.url, 'create table notes (body text); insert into notes values ($$kept$$)');
      expect(await query(db.url, 'select body from notes')).toEqual([{ body: 'kept' }]);
    } finally {
      await db.drop();
    }
    const left = await query(
      POSTGRES_ADMIN_URL,
      `select 1 from pg_database where datname = '${db.database}'`,
    );
    expect(left).toEqual([]);
  });

  it('gives each caller a different database', async () => {
    const [a, b] = await Promise.all([createPostgresDatabase(), createPostgresDatabase()]);
    await Promise.all([a.drop(), b.drop()]);
    expect(a.database).not.toBe(b.database);
  });

  it('drops a database that still has connections', async () => {
    const db = await createPostgresDatabase();
    const client = new pg.Client({ connectionString: db.url });
    client.on('error', () => {});
    await client.connect();
    await db.drop();
    const left = await query(
      POSTGRES_ADMIN_URL,
      `select 1 from pg_database where datname = '${db.database}'`,
    );
    expect(left).toEqual([]);
    await client.end().catch(() => {});
  });

  it('fails naming the server and what the tests need when nothing answers', async () => {
    const nowhere = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    await expect(createPostgresDatabase(nowhere)).rejects.toThrow(
      `PostgreSQL is not reachable at ${nowhere} (the tests need it: user postgres, trust auth`,
    );
  });
});
