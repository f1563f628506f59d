/**
 * Access ends when standing ends, across real processes (API, proxy, connector, redis-server and
 * `border0 client tls` for each identity): removing a member, demoting one to read_only or deleting a service
 * account ends their live sessions within 2 s, and the certificates they still hold open nothing after.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  BIN,
  clientListener,
  freePort,
  type Platform,
  personLogin,
  daemon as startDaemon,
  startPlatform,
  tempDir,
} from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveRedisConnection, redisPing, untilPong } from './redis.js';

const children: ChildProcess[] = [];
const daemon = (command: string, args: string[], env: Record<string, string>, ready: RegExp) =>
  startDaemon(children, command, args, env, ready);

let api: Platform;
let env: Record<string, string>;
let proxyPort: number;
let admin: ReturnType<typeof createClient>;

/** A `border0 client tls` listener for `cache` as the holder of `token`, with a configuration of its own. */
const listenerAs = (token: string, who: string) =>
  clientListener(
    children,
    { BORDER0_API_URL: api.url, BORDER0_TOKEN: token, BORDER0_CONFIG_DIR: tempDir(who) },
    'cache',
    proxyPort,
  );

const PASSWORD = 'a-long-enough-password';

beforeAll(async () => {
  const dataDir = tempDir('standing');
  env = { BORDER0_CONFIG_DIR: tempDir('standing-config') };
  api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], env);
  env.BORDER0_API_URL = api.url;
  const redisPort = await freePort();
  await daemon(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    /Ready to accept connections/,
  );
  proxyPort = await freePort();
  const proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  await daemon(
    process.execPath,
    [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'p1'],
    env,
    /proxy p1 listening/,
  );
  admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
  });
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const connectorToken = await admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: connector.id } },
    body: { name: 'lab' },
  });
  await admin.post('/api/v1/sockets', {
    body: {
      name: 'cache',
      socket_type: 'tls',
      connector_ids: [connector.id],
      upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: redisPort },
    },
  });
  for (const email of ['removed@localhost', 'demoted@localhost']) {
    await admin.post('/api/v1/members', { body: { email, role: 'member' } });
    await admin.put('/api/v1/members/{member}/password', {
      params: { path: { member: email } },
      body: { password: PASSWORD },
    });
  }
  await admin.post('/api/v1/service-accounts', { body: { name: 'batch', role: 'client' } });
  await admin.post('/api/v1/policies', {
    body: {
      name: 'cache-for-everyone',
      org_wide: true,
      document: {
        permissions: { tls: {} },
        condition: {
          who: { email: ['removed@localhost', 'demoted@localhost'], service_account: ['batch'] },
        },
      },
    },
  });
  await daemon(
    process.execPath,
    [BIN, 'connector', 'start', '--token', connectorToken.token],
    env,
    /connector lab serves/,
  );
}, 90_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await api?.stop();
});

/** Opens a live connection through `port`, applies `revoke`, and checks the session ends in < 2 s and stays shut. */
async function endsWithin2s(port: number, revoke: () => Promise<unknown>) {
  expect(await untilPong(port, 15_000)).toBe('PONG');
  const connection = await liveRedisConnection(port);
  const closed = connection.msUntilClosed();
  await revoke();
  expect(await closed).toBeLessThan(2000);
  // The listener still holds its certificate (valid for up to an hour): the proxy refuses it now.
  await expect(redisPing(port)).rejects.toThrow();
}

describe('access ends when standing ends', () => {
  it('ends a removed member’s live session within 2 s and refuses the certificate they hold', async () => {
    const port = await listenerAs(await personLogin(api.url, 'removed@localhost', PASSWORD), 'removed');
    await endsWithin2s(port, () =>
      admin.delete('/api/v1/members/{member}', { params: { path: { member: 'removed@localhost' } } }),
    );
    const denied = await admin.get('/api/v1/sessions', {
      params: { query: { user: 'removed@localhost', result: 'denied' } },
    });
    expect(denied.items[0]?.reason).toMatch(/not a member/);
  });

  it('ends a member’s live session within 2 s of a demotion to read_only, and admits them again when promoted', async () => {
    const port = await listenerAs(await personLogin(api.url, 'demoted@localhost', PASSWORD), 'demoted');
    const demoted = { params: { path: { member: 'demoted@localhost' } } };
    await endsWithin2s(port, () =>
      admin.patch('/api/v1/members/{member}', { ...demoted, body: { role: 'read_only' } }),
    );
    await admin.patch('/api/v1/members/{member}', { ...demoted, body: { role: 'client' } });
    expect(await untilPong(port, 10_000)).toBe('PONG');
  });

  it('ends a deleted service account’s live session within 2 s', async () => {
    const token = await admin.post('/api/v1/service-accounts/{service_account}/tokens', {
      params: { path: { service_account: 'batch' } },
      body: { name: 'batch' },
    });
    const port = await listenerAs(token.token, 'batch');
    await endsWithin2s(port, () =>
      admin.delete('/api/v1/service-accounts/{service_account}', {
        params: { path: { service_account: 'batch' } },
      }),
    );
  });
});
