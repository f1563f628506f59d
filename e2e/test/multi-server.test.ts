/**
 * Several API servers over one PostgreSQL: the proxy follows the events of server B while the policy is
 * removed through server A; the change travels through PostgreSQL (LISTEN/NOTIFY) and ends the live
 * session the proxy carries. And when that proxy dies with server B stopped, server A, which the proxy never
 * spoke to, ends its sessions (heartbeats every second here, so a session lapses after 3.5 s).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  BIN,
  clientListener,
  createPostgresDatabase,
  eventually,
  freePort,
  type Platform,
  daemon as startDaemon,
  startPlatform,
  type ThrowawayDatabase,
  tempDir,
} from '@border0/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { liveRedisConnection, untilPong } from './redis.js';

let database: ThrowawayDatabase | undefined;
const children: ChildProcess[] = [];
const daemon = (command: string, args: string[], env: Record<string, string>, ready: RegExp) =>
  startDaemon(children, command, args, env, ready);
const platforms: Platform[] = [];
const POLICY = {
  name: 'kv-admin',
  org_wide: true,
  document: { permissions: { tls: {} }, condition: { who: { email: ['admin@localhost'] } } },
};
let b: Platform;
let proxy: { child: ChildProcess };
let viaA: ReturnType<typeof createClient>;
let local: number;

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(platforms.map((p) => p.stop()));
  await database?.drop();
});

describe('two API servers over one PostgreSQL', () => {
  it('a policy removed through one server ends a live session on a proxy that follows the other', async () => {
    database = await createPostgresDatabase();
    const url = database.url;
    const shared = {
      BORDER0_SECRET_KEY: randomBytes(32).toString('hex'),
      BORDER0_PROXY_HEARTBEAT_SECONDS: '1',
    };
    const dirA = tempDir('multi-a');
    const envA = { ...shared, BORDER0_CONFIG_DIR: tempDir('multi-config-a') };
    const a = await startPlatform(['--data-dir', dirA, '--no-proxy', '--database-url', url], envA, 90_000);
    platforms.push(a);
    b = await startPlatform(
      ['--data-dir', tempDir('multi-b'), '--no-proxy', '--database-url', url],
      {
        ...shared,
        BORDER0_CONFIG_DIR: tempDir('multi-config-b'),
      },
      90_000,
    );
    platforms.push(b);

    const redisPort = await freePort();
    await daemon(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {},
      /Ready to accept/,
    );
    const proxyPort = await freePort();
    const proxyToken = readFileSync(join(dirA, 'proxy-token'), 'utf8').trim();
    // The proxy talks to server B only.
    proxy = await daemon(
      process.execPath,
      [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'pb'],
      { BORDER0_API_URL: b.url },
      /proxy pb listening/,
    );

    viaA = createClient({
      baseUrl: a.url,
      token: readFileSync(join(dirA, 'admin-token'), 'utf8').trim(),
    });
    const connector = await viaA.post('/api/v1/connectors', { body: { name: 'dc' } });
    const { token } = await viaA.post('/api/v1/connectors/{connector}/tokens', {
      params: { path: { connector: connector.id } },
      body: { name: 'dc' },
    });
    await viaA.post('/api/v1/sockets', {
      body: {
        name: 'kv',
        socket_type: 'tls',
        connector_ids: [connector.id],
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: redisPort },
      },
    });
    await viaA.post('/api/v1/policies', { body: POLICY });
    await daemon(
      process.execPath,
      [BIN, 'connector', 'start', '--token', token],
      { BORDER0_API_URL: a.url },
      /connector dc serves/,
    );
    local = await clientListener(children, envA, 'kv', proxyPort);

    expect(await untilPong(local, 15_000)).toBe('PONG');

    const connection = await liveRedisConnection(local);
    const closed = connection.msUntilClosed();
    await viaA.delete('/api/v1/policies/{policy}', { params: { path: { policy: 'kv-admin' } } });
    expect(await closed).toBeLessThan(3000);
  }, 240_000);

  it('a server the proxy never spoke to ends the sessions of that proxy once it is killed', async () => {
    await viaA.post('/api/v1/policies', { body: POLICY });
    expect(await untilPong(local, 15_000)).toBe('PONG');
    await liveRedisConnection(local);
    const live = await eventually(
      () => viaA.get('/api/v1/sessions', { params: { query: { socket: 'kv', live: 'true' } } }),
      (page) => page.items.length === 1,
      10_000,
    );
    await b.stop();
    proxy.child.kill('SIGKILL');
    const killedAt = Date.now();
    const ended = await eventually(
      () =>
        viaA.get('/api/v1/sessions/{session_id}', { params: { path: { session_id: live.items[0]!.id } } }),
      (session) => !session.live,
      20_000,
    );
    console.log(`server A ended the dead proxy's session ${Date.now() - killedAt} ms after the kill`);
    expect(ended).toMatchObject({ result: 'failed', reason: expect.stringMatching(/stopped reporting it/) });
  }, 60_000);
});
