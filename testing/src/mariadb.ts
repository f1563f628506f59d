/**
 * A throwaway database and a user of its own (all rights on it, none elsewhere) on the real MariaDB server of
 * the tests (127.0.0.1:3306, root with an empty password; BORDER0_TEST_MARIADB_URL names another). Fails
 * loudly when the server is missing: no test skips.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { ThrowawayDatabase } from './throwaway-database.js';

/** The server, as a user that may create databases and users. */
export const MARIADB_ADMIN_URL = process.env.BORDER0_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306';

/**
 * Creates an empty database and its user; `drop()` them when done.
 *
 * @example
 * const db = await createMariaDbDatabase();
 * const connection = await mysql.createConnection(db.url);
 */
export async function createMariaDbDatabase(adminUrl = MARIADB_ADMIN_URL): Promise<ThrowawayDatabase> {
  const database = `border0_test_${randomBytes(6).toString('hex')}`;
  const user = database;
  const password = randomBytes(16).toString('hex');
  const account = `'${user}'@'127.0.0.1'`;
  await asAdmin(adminUrl, [
    `create database ${database}`,
    `create user ${account} identified by '${password}'`,
    `grant all privileges on ${database}.* to ${account}`,
  ]);
  const admin = new URL(adminUrl);
  const port = Number(admin.port || 3306);
  return {
    host: admin.hostname,
    port,
    database,
    user,
    password,
    url: `mysql://${user}:${password}@${admin.hostname}:${port}/${database}`,
    drop: () =>
      asAdmin(adminUrl, [
        // MariaDB keeps a dropped user's sessions: end them first, they could still read the database.
        (connection) => endSessionsOf(connection, user),
        `drop user if exists ${account}`,
        `drop database if exists ${database}`,
      ]),
  };
}

type Step = string | ((connection: mysql.Connection) => Promise<void>);

async function asAdmin(adminUrl: string, steps: Step[]): Promise<void> {
  const connection = await mysql
    .createConnection({ uri: adminUrl, connectTimeout: 10_000 })
    .catch((error) => {
      throw new Error(
        `MariaDB is not reachable at ${adminUrl} (the tests need it: root with an empty password; ` +
          `scripts/ensure-services.sh starts it): ${error.message || error.code}`,
      );
    });
  try {
    for (const step of steps) {
      if (typeof step === 'string') await connection.query(step);
      else await step(connection);
    }
  } finally {
    await connection.end();
  }
}

async function endSessionsOf(connection: mysql.Connection, user: string): Promise<void> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    'select id from information_schema.processlist where user = ?',
    [user],
  );
  for (const { id } of rows) {
    // A session may end by itself between the listing and the kill.
    await connection.query('kill connection ?', [id]).catch(() => {});
  }
}
