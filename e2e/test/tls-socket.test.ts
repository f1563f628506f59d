/**
 * A TLS socket end to end, every part its own process: API (`border0 start`), proxy (`border0 proxy start`),
 * connector (`border0 connector start`), a real redis-server upstream, and `border0 client tls` in front of
 * the real redis-cli. Allowed and refused users, a connector killed and started again, a termination.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  BIN,
  border0,
  clientListener,
  eventually,
  freePort,
  type Platform,
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
let redisPort: number;
let connectorToken: string;
let proxyArgs: string[];
let admin: ReturnType<typeof createClient>;

beforeAll(async () => {
  const dataDir = tempDir('tls');
  env = { BORDER0_CONFIG_DIR: tempDir('tls-config') };
  api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], env);
  env.BORDER0_API_URL = api.url;
  redisPort = await freePort();
  await daemon(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    /Ready to accept connections/,
  );
  proxyPort = await freePort();
  const proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  proxyArgs = [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'p1'];
  await daemon(process.execPath, proxyArgs, env, /proxy p1 listening/);

  admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
  });
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  connectorToken = (
    await admin.post('/api/v1/connectors/{connector}/tokens', {
      params: { path: { connector: connector.id } },
      body: { name: 'lab' },
    })
  ).token;
  await admin.post('/api/v1/sockets', {
    body: {
      name: 'cache',
      socket_type: 'tls',
      connector_ids: [connector.id],
      upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: redisPort },
    },
  });
  await admin.post('/api/v1/policies', {
    body: {
      name: 'cache-for-admin',
      org_wide: true,
      document: { permissions: { tls: {} }, condition: { who: { email: ['admin@localhost'] } } },
    },
  });
  await daemon(
    process.execPath,
    [BIN, 'connector', 'start', '--token', connectorToken],
    env,
    /connector lab serves/,
  );
}, 90_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await api?.stop();
});

describe('a TLS socket through proxy and connector', () => {
  let local: number;
  it('carries an allowed user to the upstream', async () => {
    local = await clientListener(children, env, 'cache', proxyPort);
    expect(await untilPong(local, 15_000)).toBe('PONG');
    // Not told which proxy: the client asks the API for the live ones and takes one it can reach.
    const found = await clientListener(children, { ...env, BORDER0_PROXY: '' }, 'cache');
    expect(await untilPong(found, 15_000)).toBe('PONG');
  });

  it('refuses an identity no policy allows, says why, and records a denied session', async () => {
    const account = await border0(
      ['service-account', 'create', 'batch', '--role', 'client', '--output', 'json'],
      env,
    );
    expect(account.code, account.stderr).toBe(0);
    const token = await border0(['service-account', 'token', 'create', 'batch', '--output', 'json'], env);
    const secret = JSON.parse(token.stdout).token as string;
    const refused = await border0(['client', 'tls', 'cache', '--proxy', `127.0.0.1:${proxyPort}`], {
      ...env,
      BORDER0_TOKEN: secret,
    });
    expect(refused.code, refused.stderr + refused.stdout).toBe(1);
    expect(refused.stderr).toMatch(/^error: access denied: denied: /m);
    const sessions = await border0(['session', 'ls', '--result', 'denied', '--output', 'json'], env);
    expect(JSON.parse(sessions.stdout)).toContainEqual(
      expect.objectContaining({
        result: 'denied',
        user: expect.objectContaining({ service_account: 'batch' }),
      }),
    );
  });

  it('heals after the connector is killed and started again', async () => {
    const connector = children.find((c) => c.spawnargs.includes('connector'))!;
    connector.kill('SIGKILL');
    await daemon(
      process.execPath,
      [BIN, 'connector', 'start', '--token', connectorToken],
      env,
      /connector lab serves/,
    );
    expect(await untilPong(local, 15_000)).toBe('PONG');
  });

  it('ends a live session within 2 s of a termination', async () => {
    const connection = await liveRedisConnection(local);
    const live = await eventually(
      () =>
        border0(['session', 'ls', '--live', '--socket', 'cache', '--output', 'json'], env).then((r) =>
          JSON.parse(r.stdout),
        ),
      (list: { id: string }[]) => list.length > 0,
      5000,
    );
    const closed = connection.msUntilClosed();
    const terminated = await border0(['session', 'terminate', live[0].id], env);
    expect(terminated.code, terminated.stderr).toBe(0);
    expect(await closed).toBeLessThan(2000);
  });

  it('refuses random bytes and a client without a certificate, and keeps serving', async () => {
    const { connect: tcp } = await import('node:net');
    const { connect: tlsConnect } = await import('node:tls');
    const garbage = tcp(proxyPort, '127.0.0.1');
    garbage.on('error', () => {});
    garbage.write(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    await new Promise((resolve) => garbage.once('close', resolve));
    const anonymous = tlsConnect({
      host: '127.0.0.1',
      port: proxyPort,
      servername: 'cache-local.localhost',
      rejectUnauthorized: false,
      ALPNProtocols: ['border0-client'],
    });
    anonymous.on('error', () => {});
    const line = await new Promise<string>((resolve) => {
      let text = '';
      anonymous.on('data', (chunk) => {
        text += chunk;
      });
      anonymous.once('close', () => resolve(text));
    });
    expect(line).toMatch(/^DENIED no valid client certificate/);
    const unknown = tlsConnect({
      host: '127.0.0.1',
      port: proxyPort,
      servername: 'nope-local.localhost',
      rejectUnauthorized: false,
    });
    const handshake = await new Promise<string>((resolve) => {
      unknown.once('secureConnect', () => resolve('connected'));
      unknown.once('error', (error) => resolve(error.message));
    });
    expect(handshake).not.toBe('connected');
    expect(await redisPing(local)).toBe('PONG');
  });

  it('ends a live session when the policy that allowed it is deleted', async () => {
    const connection = await liveRedisConnection(local);
    const closed = connection.msUntilClosed();
    await admin.delete('/api/v1/policies/{policy}', { params: { path: { policy: 'cache-for-admin' } } });
    expect(await closed).toBeLessThan(3000);
    await expect(redisPing(local)).rejects.toThrow();
    await admin.post('/api/v1/policies', {
      body: {
        name: 'cache-for-admin',
        org_wide: true,
        document: { permissions: { tls: {} }, condition: { who: { email: ['admin@localhost'] } } },
      },
    });
    expect(await untilPong(local, 10_000)).toBe('PONG');
  });

  it('heals after the proxy restarts: tunnels are back within 5 s', async () => {
    const proxy = children.find((c) => c.spawnargs.includes('proxy') && c.exitCode === null)!;
    await new Promise<void>((resolve) => {
      proxy.once('exit', () => resolve());
      proxy.kill('SIGKILL');
    });
    await daemon(process.execPath, proxyArgs, env, /proxy p1 listening/);
    // From the moment the new proxy listens: the connector's backoff tops out at 10 s, but a fresh failure
    // retries within about a second.
    expect(await untilPong(local, 5000)).toBe('PONG');
  });

  it('reaches the upstream through either of two proxies, the connector holding a tunnel to each', async () => {
    const secondPort = await freePort();
    const token = proxyArgs[proxyArgs.indexOf('--token') + 1]!;
    await daemon(
      process.execPath,
      [BIN, 'proxy', 'start', '--token', token, '--port', String(secondPort), '--name', 'p2'],
      env,
      /proxy p2 listening/,
    );
    const viaSecond = await clientListener(children, env, 'cache', secondPort);
    // The connector hears of the new proxy on its event stream, not at its 15 s refresh.
    expect(await untilPong(viaSecond, 5000)).toBe('PONG');
    expect(await redisPing(local)).toBe('PONG');
    const lab = await eventually(
      () => admin.get('/api/v1/connectors/{connector}', { params: { path: { connector: 'lab' } } }),
      (c) => c.proxies_connected.length === 2,
      20_000,
    );
    expect([...lab.proxies_connected].sort()).toEqual(['p1', 'p2']);
    expect(lab.status).toBe('online');
  }, 60_000);

  it('publishes a service from any machine with border0 socket connect', async () => {
    await daemon(
      process.execPath,
      [BIN, 'socket', 'connect', 'cache-two', '--upstream', `127.0.0.1:${redisPort}`],
      env,
      /connector cache-two-connector serves/,
    );
    const viaConnect = await clientListener(children, env, 'cache-two', proxyPort);
    expect(await untilPong(viaConnect, 15_000)).toBe('PONG');
    const socket = await admin.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'cache-two' } } });
    expect(socket).toMatchObject({
      socket_type: 'tls',
      upstream_configuration: { hostname: '127.0.0.1', port: redisPort },
    });
  });

  it('cuts the tunnels of a revoked connector token at once, and a new token serves again', async () => {
    const connection = await liveRedisConnection(local);
    const closed = connection.msUntilClosed();
    const lab = { connector: 'lab' };
    const tokens = await admin.get('/api/v1/connectors/{connector}/tokens', { params: { path: lab } });
    for (const token of tokens.items) {
      await admin.delete('/api/v1/connectors/{connector}/tokens/{token_id}', {
        params: { path: { ...lab, token_id: token.id } },
      });
    }
    // The live connection rode the revoked token's tunnel: it ends, and no new one gets through.
    expect(await closed).toBeLessThan(2000);
    await expect(redisPing(local)).rejects.toThrow();

    const fresh = await admin.post('/api/v1/connectors/{connector}/tokens', {
      params: { path: lab },
      body: { name: 'lab-2' },
    });
    await daemon(
      process.execPath,
      [BIN, 'connector', 'start', '--token', fresh.token],
      env,
      /connector lab serves/,
    );
    expect(await untilPong(local, 10_000)).toBe('PONG');
  }, 30_000);
});
