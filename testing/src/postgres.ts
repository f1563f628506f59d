/**
 * A throwaway database on the real PostgreSQL server of the tests (127.0.0.1:5432, user postgres, trust
 * auth; BORDER0_TEST_POSTGRES_URL names another). Fails loudly when the server is missing: no test skips.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ThrowawayDatabase } from './throwaway-database.js';

/** The server's maintenance database, as its superuser. */
export const POSTGRES_ADMIN_URL =
  process.env.BORDER0_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates an empty database; `drop()` it when done.
 *
 * @example
 * const db = await createPostgresDatabase();
 * const client = new pg.Client({ connectionString: db.url });
 */
export async function createPostgresDatabase(adminUrl = POSTGRES_ADMIN_URL): Promise<ThrowawayDatabase> {
  const database = `border0_test_${randomBytes(6).toString('hex')}`;
  await asAdmin(adminUrl, `create database ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    database,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    url: url.toString(),
    drop: () => asAdmin(adminUrl, `drop database if exists ${database} with (force)`),
  };
}

async function asAdmin(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect().catch((error: Error) => {
    throw new Error(
      `PostgreSQL is not reachable at ${adminUrl} (the tests need it: user postgres, trust auth; ` +
        `scripts/ensure-services.sh starts it): ${error.message || (error as { code?: string }).code}`,
    );
  });
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
