/**
 * What connections that never authenticate cost the control plane, counted on a real API: socket lookups
 * for made-up server names, session rows and audit entries for refusals, sessions for clients that never log
 * in to the socket's protocol.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientCredentials,
  msUntilClosed,
  type Stack,
  sessionsOf,
  sshLogin,
  startStack,
  statusLineOf,
  type TestProxy,
  tlsConnection,
} from './support/stack.js';

/** An API with its store, a proxy and a certificate: slow on a busy machine. */
const STARTUP_MS = 120_000;
let stack: Stack;
let proxy: TestProxy;
const WINDOW_MS = 2000;

beforeAll(async () => {
  stack = await startStack();
  const connector = await stack.admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  await stack.admin.post('/api/v1/sockets', {
    body: {
      name: 'cache',
      socket_type: 'tls',
      connector_ids: [connector.id],
      upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
    },
  });
  await stack.admin.post('/api/v1/sockets', {
    body: {
      name: 'refused',
      socket_type: 'tls',
      connector_ids: [connector.id],
      upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
    },
  });
  await stack.admin.post('/api/v1/sockets', {
    body: {
      name: 'box',
      socket_type: 'ssh',
      connector_ids: [connector.id],
      upstream_configuration: {
        type: 'ssh',
        hostname: '127.0.0.1',
        port: 22,
        authentication_type: 'username_and_password',
        username: 'nobody',
        password: 'unused',
      },
    },
  });
  await stack.admin.post('/api/v1/policies', {
    body: {
      name: 'admin-ssh',
      org_wide: true,
      document: { permissions: { ssh: { shell: {} } }, condition: { who: { email: ['admin@localhost'] } } },
    },
  });
  proxy = await stack.startProxy({
    socketLookups: { lookupsPerSecond: 1, lookupBurst: 20, maxMisses: 50 },
    refusalWindowMs: WINDOW_MS,
    connectionLimits: { loginTimeoutMs: 1500 },
  });
  // Found before the flood of made-up names below: names found once are looked up outside the rate limit.
  // (With a certificate: these connections are not refusals before authentication.)
  for (const name of ['refused', 'box']) await handshake(`${name}-local.localhost`, stack.credentials);
}, STARTUP_MS);
afterAll(() => stack?.close());

/** Runs `count` tasks, `width` at a time. */
async function inParallel(count: number, width: number, task: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Polls `check` every 100 ms until it holds, or fails after 10 s; an assertion that fails in it fails at once. */
const until = (check: () => boolean | Promise<boolean>) =>
  eventually(check, Boolean, 10_000, { intervalMs: 100, retryErrors: false });

/**
 * The socket's sessions of refusals before authentication (no identity) once they stand for `attempts`
 * connections (the counts come at the window's end).
 */
async function counted(socket: string, attempts: number) {
  const refusals = async () =>
    (await sessionsOf(stack.admin, socket)).filter((s) => !s.user.email && !s.user.service_account);
  let sessions = await refusals();
  await until(async () => {
    sessions = await refusals();
    return sessions.reduce((sum, session) => sum + session.attempts, 0) >= attempts;
  });
  return sessions;
}

const lookups = (name?: string) =>
  proxy.calls.filter((call) => call.startsWith(`GET /api/v1/proxy/sockets/${name ?? ''}`)).length;

/** Whether a TLS handshake for `servername` completes (an unknown name aborts it). */
const handshake = (servername: string, credentials?: ClientCredentials) =>
  tlsConnection(proxy.port, { servername, credentials }).then(
    (tls) => {
      tls.destroy();
      return true;
    },
    () => false,
  );

describe('socket lookups by server name', () => {
  it('finds a socket once, however many connections name it', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () => handshake('cache-local.localhost')));
    expect(results.every(Boolean)).toBe(true);
    expect(lookups('cache-local.localhost')).toBe(1);
  });

  it(
    'looks up a name found before again when its answer is old, whatever the rate limit',
    async () => {
      const aging = await stack.startProxy({
        socketLookups: { ttlMs: 300, lookupsPerSecond: 1, lookupBurst: 1 },
      });
      const connect = (servername: string) =>
        tlsConnection(aging.port, { servername }).then(
          (tls) => tls.destroy(),
          () => 'refused',
        );
      await connect('cache-local.localhost');
      // The one token is gone: made-up names are refused unasked.
      expect(await connect('made-up-local.localhost')).toBe('refused');
      await until(async () => {
        expect(await connect('cache-local.localhost')).not.toBe('refused');
        return aging.calls.filter((call) => call.endsWith('/cache-local.localhost')).length >= 3;
      });
    },
    STARTUP_MS,
  );

  it(
    'remembers a name that named nothing: asked once, however many connections name it meanwhile',
    async () => {
      // Lookups not rate limited here: only the memory of the miss keeps them from the control plane.
      const generous = await stack.startProxy({
        socketLookups: { lookupsPerSecond: 1000, lookupBurst: 1000 },
      });
      const connect = (servername: string) =>
        tlsConnection(generous.port, { servername }).then(
          (tls) => tls.destroy(),
          () => 'refused',
        );
      for (let i = 0; i < 5; i++) expect(await connect('nothing-local.localhost')).toBe('refused');
      expect(generous.calls.filter((call) => call.endsWith('/nothing-local.localhost'))).toHaveLength(1);
    },
    STARTUP_MS,
  );

  it('never looks up a name that cannot be a socket’s', async () => {
    const before = lookups();
    for (const name of [
      'cache.local.localhost',
      'nohyphen.localhost',
      'cache-local.example.com',
      '-x.localhost',
    ])
      expect(await handshake(name)).toBe(false);
    expect(lookups()).toBe(before);
  });

  it('limits lookups of made-up names, and keeps serving the names it knows', async () => {
    const before = lookups();
    const started = performance.now();
    await inParallel(300, 20, (i) => handshake(`made-up${i}-local.localhost`));
    // At most the burst, and what one lookup per second adds while the connections run.
    const seconds = (performance.now() - started) / 1000;
    expect(lookups() - before).toBeLessThanOrEqual(20 + Math.ceil(seconds));
    expect(await handshake('cache-local.localhost')).toBe(true);
  });

  it('asks about a name that named nothing again once a socket takes it', async () => {
    // Until the rate limit lets one lookup through (one a second): then the miss is remembered.
    await until(
      async () => !(await handshake('late-local.localhost')) && lookups('late-local.localhost') === 1,
    );
    expect(await handshake('late-local.localhost')).toBe(false);
    expect(lookups('late-local.localhost')).toBe(1);
    const connector = await stack.admin.get('/api/v1/connectors/{connector}', {
      params: { path: { connector: 'lab' } },
    });
    await stack.admin.post('/api/v1/sockets', {
      body: {
        name: 'late',
        socket_type: 'tls',
        connector_ids: [connector.id],
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6380 },
      },
    });
    // The control plane's change event makes the proxy forget the miss.
    await until(() => handshake('late-local.localhost'));
  });
});

describe('refusals before authentication', () => {
  /**
   * The first refusal is reported at once, the rest counted: one more report per window while they go on
   * (one or two windows pass while the connections are made, depending on the machine's load).
   */
  const expectCounted = async (socket: string, total: number, seconds: number) => {
    const sessions = await counted(socket, total);
    const attempts = sessions.map((s) => s.attempts).sort((a, b) => a - b);
    expect(attempts[0]).toBe(1);
    expect(attempts.reduce((sum, n) => sum + n, 0)).toBe(total);
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    expect(sessions.length).toBeLessThanOrEqual(2 + Math.floor((seconds * 1000) / WINDOW_MS));
    expect(sessions.every((s) => s.result === 'denied' && s.client_ip === '127.0.0.1')).toBe(true);
    return sessions;
  };

  it('reports 300 certificate-less connections to a socket as a few sessions that count them', async () => {
    const reports = () => proxy.calls.filter((call) => call === 'POST /api/v1/proxy/sessions').length;
    const before = reports();
    const started = performance.now();
    await inParallel(300, 20, async () => {
      const tls = await tlsConnection(proxy.port, { servername: 'refused-local.localhost' });
      expect(await statusLineOf(tls)).toMatch(/^DENIED no valid client certificate \(none presented\)/);
      tls.destroy();
    });
    const sessions = await expectCounted('refused', 300, (performance.now() - started) / 1000);
    expect(reports() - before).toBe(sessions.length);
    const audit = await stack.admin.get('/api/v1/audit', {
      params: { query: { resource_type: 'session', limit: 100 } },
    });
    const created = new Set(sessions.map((s) => s.id));
    expect(audit.items.filter((entry) => created.has(entry.resource_id ?? ''))).toHaveLength(sessions.length);
  });

  it('counts each reason apart: a certificate of no trusted CA is another kind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'border0-test-'));
    const started = performance.now();
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=admin@localhost/O=local',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const forged = {
        key: readFileSync(join(dir, 'key.pem'), 'utf8'),
        cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      };
      await inParallel(80, 10, async (i) => {
        const credentials = i % 2 ? forged : undefined;
        const tls = await tlsConnection(proxy.port, { servername: 'box-local.localhost', credentials });
        expect(await statusLineOf(tls)).toMatch(/^DENIED no valid client certificate \(/);
        tls.destroy();
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const sessions = await counted('box', 80);
    const seconds = (performance.now() - started) / 1000;
    const reasons = new Map<string, number[]>();
    for (const s of sessions) reasons.set(s.reason!, [...(reasons.get(s.reason!) ?? []), s.attempts]);
    expect([...reasons.keys()].sort()).toEqual([
      'no valid client certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
      'no valid client certificate (none presented)',
    ]);
    for (const attempts of reasons.values()) {
      expect(attempts.reduce((sum, n) => sum + n, 0)).toBe(40);
      expect(Math.min(...attempts)).toBe(1);
      expect(attempts.length).toBeLessThanOrEqual(2 + Math.floor((seconds * 1000) / WINDOW_MS));
    }
  });
});

describe('sessions open when the protocol has logged the client in', () => {
  it('makes no session for TLS connections to an ssh socket that never speak SSH, one for a login', async () => {
    const before = (await sessionsOf(stack.admin, 'box')).length;
    const silent = await Promise.all(
      Array.from({ length: 20 }, () =>
        tlsConnection(proxy.port, { servername: 'box-local.localhost', credentials: stack.credentials }),
      ),
    );
    for (const tls of silent) expect(await statusLineOf(tls)).toMatch(/^OK/);
    await Promise.all(silent.map((tls) => msUntilClosed(tls, 10_000)));
    expect((await sessionsOf(stack.admin, 'box')).length).toBe(before);

    const tls = await tlsConnection(proxy.port, {
      servername: 'box-local.localhost',
      credentials: stack.credentials,
      alpn: 'ssh',
    });
    const client = await sshLogin(tls);
    const sessions = await sessionsOf(stack.admin, 'box');
    expect(sessions).toHaveLength(before + 1);
    expect(sessions[0]).toMatchObject({ result: 'allowed', live: true, user: { email: 'admin@localhost' } });
    client.end();
  });
});
