/**
 * What a proxy learns about a database socket's upstream: the socket's login for a live session of its own,
 * and nothing for a session that is not live, of another socket type, or asked by anyone but a proxy.
 */
import { type Border0Client, type Border0Error, createClient } from '@border0/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.js';

describe('proxy database upstream (pglite)', () => {
  let h: Harness;
  let admin: Border0Client;
  let proxy: Border0Client;

  beforeAll(async () => {
    h = await createHarness('pglite');
    admin = createClient({ baseUrl: 'http://test', token: h.ownerToken, fetch: h.fetch });
    proxy = createClient({ baseUrl: 'http://test', token: h.proxyToken, fetch: h.fetch });
  });
  afterAll(async () => {
    await h?.close();
  });

  let counter = 0;
  const socket = (upstream: Record<string, unknown>, type: 'database' | 'tls' = 'database') =>
    admin.post('/api/v1/sockets', {
      body: {
        name: `db-${++counter}`,
        socket_type: type,
        upstream_configuration: (type === 'database'
          ? { type, protocol: 'postgres', hostname: '10.0.0.7', port: 5432, ...upstream }
          : { type, hostname: '10.0.0.7', port: 5432 }) as never,
      },
    });
  const liveSession = (socketId: string) =>
    proxy.post('/api/v1/proxy/sessions', {
      body: { socket_id: socketId, user_email: 'owner@example.dev', result: 'allowed' },
    });
  const upstreamOf = (client: Border0Client, sessionId: string) =>
    client.post('/api/v1/proxy/sessions/{session_id}/database-upstream', {
      params: { path: { session_id: sessionId } },
    });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error as Border0Error,
    );

  it('hands out the socket’s login for a live session, with how to verify the upstream’s TLS', async () => {
    const db = await socket({
      authentication_type: 'username_and_password',
      username: 'app',
      password: 'pg-secret-long-enough',
      database: 'shop',
      tls: {
        enabled: true,
        verify: 'ca',
        ca_certificate: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----',
      },
    });
    const session = await liveSession(db.id);
    expect(await upstreamOf(proxy, session.id)).toEqual({
      protocol: 'postgres',
      hostname: '10.0.0.7',
      port: 5432,
      authentication_type: 'username_and_password',
      username: 'app',
      database: 'shop',
      password: 'pg-secret-long-enough',
      tls: {
        enabled: true,
        verify: 'ca',
        ca_certificate: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----',
      },
    });
    const open = await socket({ authentication_type: 'no_auth' });
    expect(await upstreamOf(proxy, (await liveSession(open.id)).id)).toEqual({
      protocol: 'postgres',
      hostname: '10.0.0.7',
      port: 5432,
      authentication_type: 'no_auth',
      username: null,
      database: null,
      tls: { enabled: false, verify: 'full' },
    });
  });

  it('answers nobody but the proxy, and nothing for sessions that ended or sockets of another type', async () => {
    const db = await socket({
      authentication_type: 'username_and_password',
      username: 'app',
      password: 'pg-secret-long-enough',
    });
    const session = await liveSession(db.id);
    expect((await failure(upstreamOf(admin, session.id)))?.status).toBe(403);
    await proxy.patch('/api/v1/proxy/sessions/{session_id}', {
      params: { path: { session_id: session.id } },
      body: { ended: true },
    });
    expect((await failure(upstreamOf(proxy, session.id)))?.status).toBe(409);
    const tls = await socket({}, 'tls');
    expect((await failure(upstreamOf(proxy, (await liveSession(tls.id)).id)))?.status).toBe(409);
    const unknown = '0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e';
    expect((await failure(upstreamOf(proxy, unknown)))?.status).toBe(404);
  });
});
