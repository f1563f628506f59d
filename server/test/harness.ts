/**
 * Test servers over each store the platform supports: embedded PGlite and PostgreSQL. Each harness gets a
 * fresh store (a new PostgreSQL database per harness) and a bootstrapped organization with an owner token.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCountryResolver } from '@border0/geoip';
import pg from 'pg';
import { pino } from 'pino';
import { createApp } from '../src/app.js';
import { bootstrap } from '../src/bootstrap.js';
import { SecretBox } from '../src/platform/crypto/secret-box.js';
import { openStore, type Store } from '../src/platform/db/database.js';
import { type EventBus, LocalEventBus } from '../src/platform/events/event-bus.js';
import { PostgresEventBus } from '../src/platform/events/postgres-event-bus.js';
import { createRecordingStorage } from '../src/recordings/storage.js';
import type { Services } from '../src/services.js';

export type Dialect = 'pglite' | 'postgres';
export const DIALECTS: Dialect[] = ['pglite', 'postgres'];

/** The PostgreSQL server the suite creates its databases on (CI runs one at 127.0.0.1:5432). */
export const POSTGRES_ADMIN_URL =
  process.env.BORDER0_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface Harness {
  dialect: Dialect;
  services: Services;
  app: ReturnType<typeof createApp>;
  ownerToken: string;
  /** The proxy token the bootstrap issued. */
  proxyToken: string;
  /** The owner's password the bootstrap set. */
  ownerPassword: string;
  orgName: string;
  /** The directory of the recording storage: a temporary one, removed on close. */
  recordingsDir: string;
  /** `fetch` that calls the app in-process, for the SDK. */
  fetch: typeof fetch;
  request(path: string, init?: RequestInit & { token?: string | null; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** A new, empty PostgreSQL database on the test server, and how to drop it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `border0_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect().catch((error: Error) => {
    throw new Error(
      `PostgreSQL is required for the postgres suite at ${POSTGRES_ADMIN_URL}: ${error.message}`,
    );
  });
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function createHarness(dialect: Dialect, orgName = 'acme'): Promise<Harness> {
  let dropDatabase = async () => {};
  let databaseUrl: string | undefined;
  if (dialect === 'postgres') {
    const database = await createTestDatabase();
    databaseUrl = database.url;
    dropDatabase = database.drop;
  }
  const db: Store = await openStore({ databaseUrl, dataDir: 'memory://' });
  const logger = pino({ level: process.env.BORDER0_TEST_LOG ?? 'silent' });
  const events: EventBus = databaseUrl
    ? await PostgresEventBus.open(databaseUrl, logger)
    : new LocalEventBus();
  const recordingsDir = await mkdtemp(join(tmpdir(), 'border0-test-recordings-'));
  const shutdown = new AbortController();
  const services: Services = {
    db,
    secrets: new SecretBox(randomBytes(32)),
    logger,
    baseDomain: 'localhost',
    // Labs and tests name the country of their own addresses; the rest comes from the shipped database.
    geo: await openCountryResolver({ overrides: { '10.99.0.0/16': 'NL', '10.98.0.0/16': 'KP' } }),
    events,
    recordings: createRecordingStorage({ kind: 'local', directory: recordingsDir }),
    shutdown: shutdown.signal,
  };
  const boot = await bootstrap(db, { organization: orgName, email: `owner@${orgName}.dev` });
  if (!boot) throw new Error('bootstrap did not run on a fresh store');
  const app = createApp(services, { defaultMetrics: false });
  const appFetch = ((input: string | URL | Request, init?: RequestInit) =>
    app.fetch(new Request(input, init))) as typeof fetch;
  return {
    dialect,
    services,
    app,
    ownerToken: boot.token,
    proxyToken: boot.proxyToken,
    ownerPassword: boot.adminPassword,
    orgName,
    recordingsDir,
    fetch: appFetch,
    request(path, init = {}) {
      const { token = boot.token, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return appFetch(`http://test${path}`, {
        ...rest,
        headers,
        ...(json !== undefined && { body: JSON.stringify(json) }),
      });
    },
    async close() {
      shutdown.abort();
      await events.close();
      await db.destroy();
      await dropDatabase();
      await rm(recordingsDir, { recursive: true, force: true });
    },
  };
}
