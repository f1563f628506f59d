/**
 * Revocations a proxy could miss, end to end, every part its own process: API (`border0 start`), proxies
 * (`border0 proxy start`) that reach the API only through a link the test cuts, a connector, a real
 * redis-server and `border0 client tls`. A policy deleted or a session terminated while a proxy's event
 * stream is down still ends the live session once the stream is back; a proxy cut off past its policy cache
 * limit ends its live sessions on its own.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  BIN,
  clientListener,
  eventually,
  freePort,
  type Platform,
  daemon as startDaemon,
  startPlatform,
  startTcpRelay,
  type TcpRelay,
  tempDir,
} from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveRedisConnection, redisPing, untilPong } from './redis.js';

const children: ChildProcess[] = [];
const links: TcpRelay[] = [];
const daemon = (command: string, args: string[], env: Record<string, string>, ready: RegExp) =>
  startDaemon(children, command, args, env, ready);

let api: Platform;
let env: Record<string, string>;
let admin: ReturnType<typeof createClient>;
let proxyToken: string;

const POLICY = {
  name: 'cache-for-admin',
  org_wide: true,
  document: { permissions: { tls: {} }, condition: { who: { email: ['admin@localhost'] } } },
};

/** A proxy process that reaches the API through its own link; resolves with its port and the link. */
async function linkedProxy(name: string, extraArgs: string[] = []) {
  const link = await startTcpRelay(new URL(api.url));
  links.push(link);
  const port = await freePort();
  const args = [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(port), '--name', name];
  const proxy = await daemon(
    process.execPath,
    [...args, ...extraArgs],
    { ...env, BORDER0_API_URL: link.url },
    new RegExp(`proxy ${name} listening`),
  );
  return { port, link, output: proxy.output };
}

/** A live redis connection through `port`, and its session (one that did not exist before it). */
async function liveConnection(port: number) {
  const page = await admin.get('/api/v1/sessions', { params: { query: { socket: 'cache', limit: 200 } } });
  const before = new Set(page.items.map((s) => s.id));
  const connection = await liveRedisConnection(port);
  const live = await eventually(
    () => admin.get('/api/v1/sessions', { params: { query: { socket: 'cache', live: 'true' } } }),
    (found) => found.items.some((s) => !before.has(s.id)),
    10_000,
  );
  return { connection, id: live.items.find((s) => !before.has(s.id))!.id };
}

/** `promise`, or a failure naming the deadline. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the connection was still open after ${ms} ms`)), ms);
    }),
  ]);
}

const session = (id: string) =>
  admin.get('/api/v1/sessions/{session_id}', { params: { path: { session_id: id } } });

beforeAll(async () => {
  const dataDir = tempDir('revocation');
  env = { BORDER0_CONFIG_DIR: tempDir('revocation-config') };
  api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], env, 90_000);
  env.BORDER0_API_URL = api.url;
  proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
  });
  const redisPort = await freePort();
  await daemon(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    /Ready to accept connections/,
  );
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const { token } = await admin.post('/api/v1/connectors/{connector}/tokens', {
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
  await admin.post('/api/v1/policies', { body: POLICY });
  await daemon(process.execPath, [BIN, 'connector', 'start', '--token', token], env, /connector lab serves/);
}, 180_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(links.map((link) => link.close()));
  await api?.stop();
});

describe('a proxy whose event stream was down', () => {
  let link: TcpRelay;
  let local: number;

  beforeAll(async () => {
    const proxy = await linkedProxy('p1');
    link = proxy.link;
    local = await clientListener(children, env, 'cache', proxy.port);
    expect(await untilPong(local, 15_000)).toBe('PONG');
  }, 60_000);

  it('ends a live session whose policy was deleted meanwhile, within seconds of reconnecting', async () => {
    const { connection, id } = await liveConnection(local);
    link.cut();
    await admin.delete('/api/v1/policies/{policy}', { params: { path: { policy: POLICY.name } } });
    try {
      // Within the cache limit, an outage alone ends nothing.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await session(id)).live).toBe(true);
      const closed = connection.msUntilClosed();
      link.restore();
      const ms = await within(closed, 15_000);
      console.log(
        `policy deleted while the stream was down: session closed ${ms} ms after the link came back`,
      );
      expect(ms).toBeLessThan(10_000);
      const ended = await eventually(
        () => session(id),
        (s) => !s.live,
        10_000,
      );
      expect(ended).toMatchObject({ result: 'terminated', reason: expect.stringMatching(/^access revoked/) });
    } finally {
      link.restore();
      await admin.post('/api/v1/policies', { body: POLICY });
    }
    expect(await untilPong(local, 15_000)).toBe('PONG');
  }, 60_000);

  it('ends a live session terminated meanwhile, within seconds of reconnecting', async () => {
    const { connection, id } = await liveConnection(local);
    link.cut();
    await admin.post('/api/v1/sessions/{session_id}/terminate', { params: { path: { session_id: id } } });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const closed = connection.msUntilClosed();
    link.restore();
    const ms = await within(closed, 15_000);
    console.log(`session terminated while the stream was down: closed ${ms} ms after the link came back`);
    expect(ms).toBeLessThan(10_000);
    const ended = await eventually(
      () => session(id),
      (s) => !s.live,
      10_000,
    );
    expect(ended.result).toBe('terminated');
    expect(await redisPing(local)).toBe('PONG');
  }, 60_000);
});

describe('a proxy cut off from the control plane', () => {
  it('ends its live sessions once its policy cache limit has passed, and not before', async () => {
    const proxy = await linkedProxy('p2', ['--policy-max-age', '3']);
    const local = await clientListener(children, env, 'cache', proxy.port);
    expect(await untilPong(local, 15_000)).toBe('PONG');
    const { connection } = await liveConnection(local);
    // The policies were fetched more than the limit ago, but were current until the cut: the limit counts
    // from the cut.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const closed = connection.msUntilClosed();
    proxy.link.cut();
    const ms = await within(closed, 15_000);
    console.log(`cut off with a 3 s cache limit: session closed ${ms} ms after the cut`);
    expect(ms).toBeGreaterThan(2500);
    expect(ms).toBeLessThan(10_000);
    // Its log says why (read from its stderr, which may arrive after the connection closed).
    await eventually(
      async () => proxy.output(),
      (output) => /no current policy data .*failing closed/.test(output),
      5000,
    );
    proxy.link.restore();
  }, 60_000);
});
