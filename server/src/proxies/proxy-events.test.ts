/**
 * The proxies' event stream over real HTTP, on each store: what each kind of change announces, that a change
 * which did not commit announces nothing, and that closing the server ends the stream. Over PostgreSQL, two
 * server instances on one database: a change through one reaches the streams of both, once, and a lost
 * listening connection ends the streams and heals.
 */
import { randomBytes } from 'node:crypto';
import { type Border0Client, createClient } from '@border0/sdk';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, POSTGRES_ADMIN_URL } from '../../test/harness.js';
import { type EventStream, openEventStream, type ServerEvent } from '../../test/support/event-stream.js';
import { LISTENER_NAME } from '../platform/events/postgres-event-bus.js';
import { type ServerHandle, type ServerOptions, startServer } from '../server.js';

const quiet: Partial<ServerOptions> = {
  port: 0,
  organization: 'acme',
  ownerEmail: 'owner@acme.dev',
  logger: pino({ level: 'silent' }),
  defaultMetrics: false,
};

const is =
  (event: string, data: Record<string, unknown> = {}) =>
  (e: ServerEvent) =>
    e.event === event && Object.entries(data).every(([key, value]) => e.data[key] === value);

/** A policy document that allows http to one person: enough to be a change. */
const policyBody = (name: string) => ({
  name,
  document: { permissions: { http: {} }, condition: { who: { email: ['alice@acme.dev'] } } },
  org_wide: true,
});

for (const dialect of DIALECTS) {
  describe(`proxy event stream (${dialect})`, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
    let server: ServerHandle | undefined;
    let stream: EventStream;
    let admin: Border0Client;
    let proxy: Border0Client;
    let orgId: string;

    beforeAll(async () => {
      if (dialect === 'postgres') database = await createTestDatabase();
      server = await startServer({
        ...quiet,
        databaseUrl: database?.url,
        dataDir: `memory://events-${dialect}`,
      });
      admin = createClient({ baseUrl: server.url, token: server.bootstrap!.token });
      proxy = createClient({ baseUrl: server.url, token: server.proxyToken! });
      orgId = (
        await admin.get('/api/v1/organizations/{organization}', {
          params: { path: { organization: 'current' } },
        })
      ).id;
      stream = await openEventStream(server.url, server.proxyToken!);
    });
    afterAll(async () => {
      stream?.close();
      await server?.close();
      await database?.drop();
    });

    it('announces policy data after a policy change', async () => {
      await admin.post('/api/v1/policies', { body: policyBody('web-users') });
      await stream.take(is('policy-data', { organization_id: orgId }));
      await admin.post('/api/v1/groups', { body: { name: 'eng' } });
      await stream.take(is('policy-data', { organization_id: orgId }));
    });

    it('announces a socket by its dnsname when it changes, under both names when renamed', async () => {
      const socket = await admin.post('/api/v1/sockets', {
        body: {
          name: 'cache',
          socket_type: 'tls',
          upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
        },
      });
      await stream.take(is('socket', { dnsname: 'cache-acme.localhost' }));
      await admin.patch('/api/v1/sockets/{socket}', {
        params: { path: { socket: socket.id } },
        body: { name: 'redis' },
      });
      await stream.take(is('socket', { dnsname: 'redis-acme.localhost' }));
      await stream.take(is('socket', { dnsname: 'cache-acme.localhost' }));
      await admin.delete('/api/v1/sockets/{socket}', { params: { path: { socket: 'redis' } } });
      await stream.take(is('socket', { dnsname: 'redis-acme.localhost' }));
    });

    it('asks proxies to end a session when an admin terminates it', async () => {
      const socket = await admin.post('/api/v1/sockets', {
        body: {
          name: 'db',
          socket_type: 'tls',
          upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 5432 },
        },
      });
      const session = await proxy.post('/api/v1/proxy/sessions', {
        body: { socket_id: socket.id, user_email: 'alice@acme.dev', result: 'allowed' },
      });
      await admin.post('/api/v1/sessions/{session_id}/terminate', {
        params: { path: { session_id: session.id } },
      });
      await stream.take(is('session-terminate', { session_id: session.id, organization_id: orgId }));
    });

    it('announces new trust when an organization is created', async () => {
      const created = await admin.post('/api/v1/organizations', { body: { name: 'globex' } });
      await stream.take(is('trust', { organization_id: created.id }));
    });

    it('announces nothing for a change that did not commit', async () => {
      const { services } = server!;
      const marker = { type: 'trust', organization_id: 'rolled-back' } as const;
      await expect(
        services.db.transaction().execute(async (trx) => {
          await services.events.stage(trx, [marker]);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      // Events arrive in commit order: once a later change is heard, the rolled-back one would have been.
      await admin.post('/api/v1/policies', { body: policyBody('after-rollback') });
      await stream.take(is('policy-data', { organization_id: orgId }));
      expect(stream.pending.filter(is('trust', { organization_id: 'rolled-back' }))).toEqual([]);
    });

    it('cuts a revoked connector token: proxies hear it, and the connector’s own stream ends', async () => {
      const connector = await admin.post('/api/v1/connectors', { body: { name: 'dc1' } });
      const path = { connector: connector.id };
      const issued = await admin.post('/api/v1/connectors/{connector}/tokens', {
        params: { path },
        body: { name: 'first' },
      });
      const own = await openEventStream(server!.url, issued.token, '/api/v1/connector/events');
      await admin.delete('/api/v1/connectors/{connector}/tokens/{token_id}', {
        params: { path: { ...path, token_id: issued.id } },
      });
      await stream.take(
        is('connector-revoke', { organization_id: orgId, connector_id: connector.id, token_id: issued.id }),
      );
      await own.ended;
      await admin.delete('/api/v1/connectors/{connector}', { params: { path } });
      await stream.take(is('connector-revoke', { connector_id: connector.id, token_id: null }));
    });

    it('tells connectors to fetch their configuration when a proxy appears or sockets change', async () => {
      const connector = await admin.post('/api/v1/connectors', { body: { name: 'dc2' } });
      const issued = await admin.post('/api/v1/connectors/{connector}/tokens', {
        params: { path: { connector: connector.id } },
        body: { name: 'events' },
      });
      const own = await openEventStream(server!.url, issued.token, '/api/v1/connector/events');
      const name = `edge-${randomBytes(3).toString('hex')}`;
      await proxy.post('/api/v1/proxy/register', { body: { name, public_address: '127.0.0.1:9443' } });
      await own.take(is('config'));
      // Heartbeats of a known proxy are no news.
      await proxy.post('/api/v1/proxy/register', { body: { name, public_address: '127.0.0.1:9443' } });
      await admin.post('/api/v1/groups', { body: { name: `g-${randomBytes(3).toString('hex')}` } });
      await own.take(is('config'));
      expect(own.pending.filter(is('config'))).toEqual([]);
      // The proxies' stream hears of proxies too; it may ignore them.
      await stream.take(is('proxies'));
      own.close();
    });

    it('ends the stream when the server closes', async () => {
      const closing = server!;
      server = undefined;
      await closing.close();
      await stream.ended;
    });
  });
}

describe('event fan-out across server instances over one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const servers: ServerHandle[] = [];
  const streams: EventStream[] = [];
  let proxyToken: string;
  let adminA: Border0Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    const shared = { ...quiet, databaseUrl: database.url, secretKey: randomBytes(32).toString('hex') };
    servers.push(await startServer({ ...shared, dataDir: 'memory://a' }));
    servers.push(await startServer({ ...shared, dataDir: 'memory://b' }));
    expect(servers[1]!.bootstrap).toBeUndefined();
    proxyToken = servers[0]!.proxyToken!;
    adminA = createClient({ baseUrl: servers[0]!.url, token: servers[0]!.bootstrap!.token });
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    for (const server of servers) await server.close();
    await database?.drop();
  });

  const open = async (server: ServerHandle) => {
    const stream = await openEventStream(server.url, proxyToken);
    streams.push(stream);
    return stream;
  };

  it('delivers a change made through instance A to the streams of A and B, once each', async () => {
    const [onA, onB] = [await open(servers[0]!), await open(servers[1]!)];
    const policy = await adminA.post('/api/v1/policies', { body: policyBody('fan-out') });
    for (const stream of [onA, onB]) await stream.take(is('policy-data'));
    const socket = await adminA.post('/api/v1/sockets', {
      body: {
        name: 'web',
        socket_type: 'tls',
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 80 },
      },
    });
    const session = await createClient({ baseUrl: servers[1]!.url, token: proxyToken }).post(
      '/api/v1/proxy/sessions',
      {
        body: { socket_id: socket.id, user_email: 'alice@acme.dev', result: 'allowed' },
      },
    );
    await adminA.post('/api/v1/sessions/{session_id}/terminate', {
      params: { path: { session_id: session.id } },
    });
    for (const stream of [onA, onB]) {
      await stream.take(is('session-terminate', { session_id: session.id }));
      // The socket's creation came before the terminate: heard already, and only once.
      expect(stream.pending.filter(is('socket', { dnsname: 'web-acme.localhost' }))).toHaveLength(1);
      expect(stream.pending.filter(is('policy-data'))).toHaveLength(1);
    }
    expect(policy.name).toBe('fan-out');
  });

  it('ends the streams when the listening connection is lost, and delivers again once it is back', {
    timeout: 30_000,
  }, async () => {
    const onB = await open(servers[1]!);
    const killer = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await killer.connect();
    await killer.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = $2',
      [new URL(database.url).pathname.slice(1), LISTENER_NAME],
    );
    await killer.end();
    await onB.ended;
    // The listener reconnects with a backoff and then ends the streams opened meanwhile: poll until a
    // stream stays open and hears a change.
    const deadline = Date.now() + 20_000;
    for (let attempt = 0; ; attempt++) {
      const stream = await open(servers[1]!);
      await adminA.post('/api/v1/groups', { body: { name: `healed-${attempt}` } });
      try {
        await stream.take(is('policy-data'), 2_000);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  });
});
