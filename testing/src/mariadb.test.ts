/** The MariaDB fixture against the real server: it must be there, and a missing one is said loudly. */
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { createMariaDbDatabase, MARIADB_ADMIN_URL } from './mariadb.js';

async function asAdmin(sql: string): Promise<unknown[]> {
  const connection = await mysql.createConnection(MARIADB_ADMIN_URL);
  try {
    return (await connection.query<mysql.RowDataPacket[]>(sql))[0];
  } finally {
    await connection.end();
  }
}

describe('createMariaDbDatabase', () => {
  it('gives an empty database and a user who may use it and nothing else, and drops both', async () => {
    const db = await createMariaDbDatabase();
    const connection = await mysql.createConnection(db.url);
    try {
      expect(db.url).toBe(`mysql://${db.user}:${db.password}@127.0.0.1:3306/${db.database}`);
      const [[me]] = await connection.query<mysql.RowDataPacket[]>('select database() as name');
      expect(me).toEqual({ name: db.database });
      await connection.query('create table notes (body text)');
      await connection.query('insert into notes values (?)', ['kept']);
      const [notes] = await connection.query<mysql.RowDataPacket[]>('select body from notes');
      expect(notes).toEqual([{ body: 'kept' }]);
      const [databases] = await connection.query<mysql.RowDataPacket[]>('show databases');
      expect(databases.map((row) => row.Database).sort()).toEqual([db.database, 'information_schema']);
      await expect(connection.query('select * from mysql.user')).rejects.toThrow(/denied/);
    } finally {
      await db.drop();
    }
    // drop() ended the user's session, and neither the user nor the database is left.
    await expect(connection.query('select 1')).rejects.toThrow();
    connection.destroy();
    await expect(mysql.createConnection(db.url)).rejects.toThrow(/denied/);
    expect(await asAdmin(`show databases like '${db.database}'`)).toEqual([]);
  });

  it('refuses the user with a wrong password', async () => {
    const db = await createMariaDbDatabase();
    try {
      const { host, port, user, database } = db;
      await expect(mysql.createConnection({ host, port, user, database, password: 'wrong' })).rejects.toThrow(
        /denied/,
      );
    } finally {
      await db.drop();
    }
  });

  it('fails naming the server and what the tests need when nothing answers', async () => {
    const nowhere = `mysql://root@127.0.0.1:${await freePort()}`;
    await expect(createMariaDbDatabase(nowhere)).rejects.toThrow(
      `MariaDB is not reachable at ${nowhere} (the tests need it: root with an empty password`,
    );
  });
});
