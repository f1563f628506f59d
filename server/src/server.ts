/** Starts the control plane: opens the store, bootstraps a first organization, and listens. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCountryResolver } from '@border0/geoip';
import { type Logger, pino } from 'pino';
import { createApp } from './app.js';
import { type BootstrapResult, bootstrap } from './bootstrap.js';
import { startHousekeeping } from './housekeeping.js';
import { loadSecretKey, SecretBox } from './platform/crypto/secret-box.js';
import { openStore } from './platform/db/database.js';
import { type EventBus, LocalEventBus } from './platform/events/event-bus.js';
import { PostgresEventBus } from './platform/events/postgres-event-bus.js';
import { createMetrics } from './platform/http/metrics.js';
import {
  type HttpTimeouts,
  type Listener,
  listen,
  parseListenAddress,
} from './platform/http/node-listener.js';
import { createOperationsApp } from './platform/http/operations-app.js';
import { PROXY_HEARTBEAT_SECONDS } from './proxies/proxy-store.js';
import { S3RecordingStorage } from './recordings/s3-storage.js';
import {
  createRecordingStorage,
  type RecordingStorageConfig,
  recordingStorageConfigFromEnv,
} from './recordings/storage.js';
import type { Services } from './services.js';
import { attachTerminalRelay } from './web-terminal/terminal-relay.js';

export interface ServerOptions {
  /** PostgreSQL URL; without it the embedded store lives in `dataDir`. */
  databaseUrl?: string | undefined;
  /** Directory of the embedded store and of generated keys (default `.border0/data`). */
  dataDir?: string | undefined;
  /** 32-byte key for secrets at rest (hex or base64); generated into `dataDir` when absent. */
  secretKey?: string | undefined;
  baseDomain?: string | undefined;
  /** The API's public base URL, named by identity tokens (default `BORDER0_PUBLIC_URL`, else each request's origin). */
  publicUrl?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  /** An mmdb country database instead of the shipped DB-IP one. */
  geoipDatabase?: string | undefined;
  /** CIDR → country, consulted before the database (labs, tests). */
  geoipOverrides?: Record<string, string> | undefined;
  /** The first organization and owner, created on an empty store. */
  organization?: string | undefined;
  ownerEmail?: string | undefined;
  logger?: Logger | undefined;
  defaultMetrics?: boolean | undefined;
  /**
   * The operations address serving Prometheus metrics (and health), `host:port` or a port on loopback; off
   * when absent. The API's own address never serves metrics.
   */
  metricsListen?: string | undefined;
  /** The built portal (portal/dist) to serve at `/`; none when absent. */
  portalDir?: string | undefined;
  /** Bounds on slow or idle clients of both addresses (DEFAULT_HTTP_TIMEOUTS otherwise). */
  httpTimeouts?: Partial<HttpTimeouts> | undefined;
  /**
   * Where recordings are kept; by default from `BORDER0_RECORDINGS_*` (recordingStorageConfigFromEnv), else
   * `<dataDir>/recordings`, or a temporary directory removed on close for a `memory://` data directory.
   */
  recordings?: RecordingStorageConfig | undefined;
  /**
   * How often proxies register and re-assert their live sessions (default `BORDER0_PROXY_HEARTBEAT_SECONDS`,
   * else 10). A live session unheard of for 3.5 heartbeats is ended. Give every instance the same value.
   */
  proxyHeartbeatSeconds?: number | undefined;
}

/** A whole number of seconds from 1 to 60, from the environment when not given. */
function heartbeatSeconds(given: number | undefined): number {
  const raw = process.env.BORDER0_PROXY_HEARTBEAT_SECONDS;
  const value = given ?? (raw === undefined || raw === '' ? PROXY_HEARTBEAT_SECONDS : Number(raw));
  if (!Number.isInteger(value) || value < 1 || value > 60) {
    throw new Error(
      `the proxy heartbeat must be a whole number of seconds from 1 to 60, not ${given ?? raw}`,
    );
  }
  return value;
}

export interface ServerHandle {
  url: string;
  port: number;
  /** The operations address's URL when `metricsListen` was given. */
  metricsUrl: string | undefined;
  services: Services;
  /** Set when this start created the first organization: the one-time owner token. */
  bootstrap: BootstrapResult | undefined;
  /** Set when this start created the first organization: a token for proxies (also in `<dataDir>/proxy-token`). */
  proxyToken: string | undefined;
  /** Set when this start created the first organization: the owner's password (also in `<dataDir>/admin-password`). */
  adminPassword: string | undefined;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<ServerHandle> {
  const dataDir = options.dataDir ?? join('.border0', 'data');
  const metricsAddress =
    options.metricsListen === undefined
      ? undefined
      : parseListenAddress(
          options.metricsListen,
          'the metrics address (--metrics-listen, BORDER0_METRICS_LISTEN)',
        );
  const logger = options.logger ?? pino({ name: 'border0-server' });
  const inMemory = dataDir.startsWith('memory://');
  const proxyHeartbeatSeconds = heartbeatSeconds(options.proxyHeartbeatSeconds);
  // Read before anything opens: a bad recordings configuration fails the start with nothing to clean up.
  const defaultRecordings = join(dataDir, 'recordings');
  const recordingsConfig =
    options.recordings ?? recordingStorageConfigFromEnv(process.env, defaultRecordings);
  const db = await openStore({
    databaseUrl: options.databaseUrl,
    dataDir: inMemory ? dataDir : join(dataDir, 'store'),
  });
  // Over PostgreSQL other instances may share the store: events travel through it to all of them.
  const events: EventBus = options.databaseUrl
    ? await PostgresEventBus.open(options.databaseUrl, logger)
    : new LocalEventBus();
  // An in-memory store forgets its recordings' rows on close: by default their chunks go with them.
  const temporaryRecordings =
    inMemory && recordingsConfig.kind === 'local' && recordingsConfig.directory === defaultRecordings
      ? await mkdtemp(join(tmpdir(), 'border0-recordings-'))
      : undefined;
  const recordings = createRecordingStorage(
    temporaryRecordings ? { kind: 'local', directory: temporaryRecordings } : recordingsConfig,
  );
  const shutdown = new AbortController();
  const closeRecordings = async () => {
    if (recordings instanceof S3RecordingStorage) recordings.destroy();
    if (temporaryRecordings) await rm(temporaryRecordings, { recursive: true, force: true });
  };
  const services: Services = {
    db,
    secrets: new SecretBox(loadSecretKey(options.secretKey, dataDir)),
    logger,
    baseDomain: options.baseDomain ?? 'localhost',
    publicUrl: options.publicUrl ?? (process.env.BORDER0_PUBLIC_URL || undefined),
    geo: await openCountryResolver({
      databasePath: options.geoipDatabase,
      overrides: options.geoipOverrides,
    }),
    events,
    recordings,
    shutdown: shutdown.signal,
    proxyHeartbeatSeconds,
  };
  const created = await bootstrap(db, {
    organization: options.organization ?? 'local',
    email: options.ownerEmail ?? 'admin@localhost',
    tokenFile: inMemory ? undefined : join(dataDir, 'admin-token'),
    proxyTokenFile: inMemory ? undefined : join(dataDir, 'proxy-token'),
    passwordFile: inMemory ? undefined : join(dataDir, 'admin-password'),
  });
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const app = createApp(services, {
    metrics,
    ...(options.portalDir !== undefined && { portalDir: options.portalDir }),
  });
  const listeners: Listener[] = [];
  try {
    const address = { host: options.host ?? '127.0.0.1', port: options.port ?? 6080 };
    listeners.push(await listen(app.fetch, address, options.httpTimeouts));
    if (metricsAddress) {
      const operations = createOperationsApp(metrics, db);
      listeners.push(await listen(operations.fetch, metricsAddress, options.httpTimeouts));
    }
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    await events.close();
    await db.destroy();
    await closeRecordings();
    throw error;
  }
  const [api, operations] = listeners as [Listener, Listener | undefined];
  attachTerminalRelay(api.server, services);
  const stopHousekeeping = startHousekeeping(db, logger, { heartbeatSeconds: proxyHeartbeatSeconds });
  logger.info({ url: api.url, metrics: operations?.url }, 'API listening');
  return {
    url: api.url,
    port: api.port,
    metricsUrl: operations?.url,
    services,
    bootstrap: created,
    proxyToken: created?.proxyToken,
    adminPassword: created?.adminPassword,
    async close() {
      stopHousekeeping();
      // Event streams and followed recordings never end by themselves: end them, so the server can close.
      shutdown.abort();
      await events.close();
      await Promise.all(listeners.map((l) => l.close()));
      await db.destroy();
      await closeRecordings();
    },
  };
}
