import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Border0Client, createClient } from '@border0/sdk';
import { type ServerHandle, startServer } from '@border0/server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessCheck } from '../access-check/middleware.js';
import { offlineAccessCheck } from '../access-check/offline.js';
import type { AccessMiddleware } from '../access-check/request.js';

const LOOPBACK = ['127.0.0.0/8', '::1/128', '::ffff:127.0.0.0/104'];
let api: ServerHandle;
let b0: Border0Client;
const closers: (() => unknown)[] = [];

/** A client that counts access checks and can be cut off from the API. */
function instrumentedClient() {
  const state = { checks: 0, reachable: true };
  const client = createClient({
    baseUrl: api.url,
    token: api.bootstrap!.token,
    retry: { retries: 0 },
    fetch: (request) => {
      if (!state.reachable) return Promise.reject(new TypeError('fetch failed'));
      if (request.url.endsWith('/access/check')) state.checks++;
      return fetch(request);
    },
  });
  return { client, state };
}

/** A hello-world app behind the middleware on 127.0.0.1; returns `get(email?)`. */
async function appWith(guard: AccessMiddleware) {
  const server = createServer((req, res) => guard(req, res, () => res.end('hello')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as { port: number };
  return async (email?: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      headers: email ? { 'x-forwarded-email': email } : {},
    });
    return { status: res.status, text: await res.text() };
  };
}

beforeAll(async () => {
  api = await startServer({
    dataDir: 'memory://',
    port: 0,
    logger: pino({ level: 'silent' }),
    defaultMetrics: false,
  });
  b0 = createClient({ baseUrl: api.url, token: api.bootstrap!.token });
  await b0.post('/api/v1/sockets', {
    body: {
      name: 'web',
      socket_type: 'http',
      upstream_configuration: { type: 'http', scheme: 'http', hostname: '127.0.0.1', port: 3000 },
    },
  });
  for (const email of ['alice@acme.dev', 'carol@acme.dev']) {
    await b0.post('/api/v1/members', { body: { email, role: 'member' } });
  }
  const staff = await b0.post('/api/v1/groups', { body: { name: 'staff' } });
  await b0.post('/api/v1/groups/{group}/members', {
    params: { path: { group: staff.id } },
    body: { email: 'alice@acme.dev' },
  });
  await b0.post('/api/v1/policies', {
    body: {
      name: 'staff-web',
      sockets: ['web'],
      document: {
        permissions: { http: {} },
        condition: { who: { group: [staff.id] }, where: { allowed_ip: LOOPBACK } },
      },
    },
  });
});

afterAll(async () => {
  for (const close of closers) await close();
  await api?.close();
});

describe('access-check/middleware.ts (decided by the API)', () => {
  it('lets alice through, refuses bob and a request without identity, asking once per identity', async () => {
    const { client, state } = instrumentedClient();
    const get = await appWith(accessCheck({ client, socket: 'web' }));
    expect(await get('alice@acme.dev')).toEqual({ status: 200, text: 'hello' });
    expect(await get('alice@acme.dev')).toEqual({ status: 200, text: 'hello' });
    expect(state.checks).toBe(1);
    expect(await get('bob@acme.dev')).toEqual({
      status: 403,
      text: 'denied: bob@acme.dev is not a member of the organization, or their role does not use sockets\n',
    });
    expect(await get('carol@acme.dev')).toEqual({
      status: 403,
      text: 'denied: the one policy that applies to this socket does not allow http access\n',
    });
    expect(await get()).toEqual({
      status: 403,
      text: 'denied: no identity (the X-Forwarded-Email header is missing)\n',
    });
    expect(state.checks).toBe(3);
  });

  it('asks again once a cached decision expires, and fails closed when the API is unreachable', async () => {
    const { client, state } = instrumentedClient();
    const get = await appWith(accessCheck({ client, socket: 'web', cacheMs: 100, onError: () => {} }));
    await get('alice@acme.dev');
    await sleep(150);
    expect((await get('alice@acme.dev')).status).toBe(200);
    expect(state.checks).toBe(2);
    state.reachable = false;
    await sleep(150);
    expect(await get('alice@acme.dev')).toEqual({
      status: 503,
      text: 'access check unavailable, try again shortly\n',
    });
  });

  it('runs as server.ts', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../access-check/server.ts', import.meta.url))],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: {
          ...process.env,
          BORDER0_API_URL: api.url,
          BORDER0_TOKEN: api.bootstrap!.token,
          SOCKET: 'web',
          PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    closers.push(() => child.kill());
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /listening on (\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`server.ts exited with ${code}: ${out}`)));
    });
    const res = await fetch(url, { headers: { 'x-forwarded-email': 'alice@acme.dev' } });
    expect([res.status, await res.text()]).toEqual([200, 'hello, alice@acme.dev\n']);
  });
});

describe('access-check/offline.ts (decided locally)', () => {
  it('refuses everything with 503 before the first fetch and once its data is too old', async () => {
    const { client, state } = instrumentedClient();
    state.reachable = false;
    const guard = offlineAccessCheck({
      client,
      socket: 'web',
      refreshMs: 50,
      maxStaleMs: 300,
      onError: () => {},
    });
    closers.push(guard.close);
    const get = await appWith(guard);
    await guard.ready;
    expect((await get('alice@acme.dev')).status).toBe(503);

    state.reachable = true;
    await guard.refresh();
    expect((await get('alice@acme.dev')).status).toBe(200);

    state.reachable = false;
    await sleep(400);
    for (const email of ['alice@acme.dev', 'bob@acme.dev', undefined]) {
      expect(await get(email)).toEqual({
        status: 503,
        text: 'access decisions unavailable: no recent policy data\n',
      });
    }
  });

  it('decides like the API with no API call, and follows a deleted policy after a refresh', async () => {
    const guard = offlineAccessCheck({ client: b0, socket: 'web' });
    closers.push(guard.close);
    const get = await appWith(guard);
    await guard.ready;
    expect(await get('alice@acme.dev')).toEqual({ status: 200, text: 'hello' });
    expect(await get('bob@acme.dev')).toEqual({
      status: 403,
      text: 'denied: bob@acme.dev is not a member of the organization, or their role does not use sockets\n',
    });
    expect(await get('carol@acme.dev')).toEqual({
      status: 403,
      text: 'denied: the one policy that applies to this socket does not allow http access\n',
    });
    expect((await get()).status).toBe(403);

    // Standing, as the proxies decide: alice demoted to read_only is refused once the data is fetched again.
    await b0.patch('/api/v1/members/{member}', {
      params: { path: { member: 'alice@acme.dev' } },
      body: { role: 'read_only' },
    });
    await guard.refresh();
    expect((await get('alice@acme.dev')).status).toBe(403);
    await b0.patch('/api/v1/members/{member}', {
      params: { path: { member: 'alice@acme.dev' } },
      body: { role: 'member' },
    });
    await guard.refresh();
    expect((await get('alice@acme.dev')).status).toBe(200);

    await b0.delete('/api/v1/policies/{policy}', { params: { path: { policy: 'staff-web' } } });
    await guard.refresh();
    expect(await get('alice@acme.dev')).toEqual({
      status: 403,
      text: 'denied: no policy applies to this socket\n',
    });
  });
});
