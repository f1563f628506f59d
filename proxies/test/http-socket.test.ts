/**
 * HTTP sockets in one process on real parts: the control plane (in-memory store), a proxy, the real connector
 * and an upstream web app with a WebSocket endpoint. Who a token names is injected here (the control plane's
 * `/proxy/http-identity` is tested end to end in e2e/); everything after that is the proxy's: the policy
 * decision per request, sessions, the headers the upstream sees, the browser login's callback, refusals and
 * the access log.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { startConnector } from '@border0/connector';
import { eventually } from '@border0/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { HttpCredential, HttpIdentityLookup, IdentifyResult } from '../src/http/http-identity.js';
import { type Stack, sessionsOf, startStack, type TestProxy } from './support/stack.js';

const HOST = 'web-local.localhost';
let stack: Stack;
let proxy: TestProxy;
let upstream: Server;
let connector: Awaited<ReturnType<typeof startConnector>>;
let socketId: string;
let organizationId: string;
let policyId: string;
/** What the upstream saw of the last request. */
let seen: { headers: IncomingHttpHeaders; url: string } | undefined;

/** Tokens and one-time codes this test hands out, answered the way the control plane's contract says. */
const identities: HttpIdentityLookup = {
  async identify(host: string, credential: HttpCredential): Promise<IdentifyResult> {
    if (host !== HOST) return 'not-http';
    const token = 'bearer_token' in credential ? credential.bearer_token : credential.web_session_token;
    const who =
      token === 'admin-token' || token === 'web-session-1'
        ? { user_email: 'admin@localhost' }
        : token === 'batch-token'
          ? { service_account: 'batch' }
          : undefined;
    if (!who) return 'invalid';
    return {
      organization_id: organizationId,
      socket_id: socketId,
      ...who,
      identity_token: `jwt-for-${who.user_email ?? who.service_account}`,
      identity_token_expires_at: new Date(Date.now() + 300_000).toISOString(),
      cache_seconds: 10,
    };
  },
  async exchangeCode(code: string, host: string) {
    return code === 'good-code' && host === HOST
      ? { web_session_token: 'web-session-1', expires_at: new Date(Date.now() + 3_600_000).toISOString() }
      : undefined;
  },
};

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request to the loopback listener (Host names the socket). */
function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: proxy.handle.httpLoopbackPort,
        path,
        method,
        headers: { host: `${HOST}:1234`, ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  stack = await startStack();
  organizationId = (await stack.admin.get('/api/v1/organizations')).items.find((o) => o.name === 'local')!.id;
  upstream = createServer((req, res) => {
    seen = { headers: req.headers, url: req.url ?? '' };
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      if (req.url?.startsWith('/cookie')) res.setHeader('set-cookie', ['border0_session=stolen', 'app=1']);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hello ${req.headers['x-border0-email'] ?? '?'} ${req.method} ${req.url} ${bytes}`);
    });
  });
  const wss = new WebSocketServer({ server: upstream });
  wss.on('connection', (ws, req) => {
    ws.send(`welcome ${req.headers['x-border0-email']}`);
    ws.on('message', (data) => ws.send(`echo ${data}`));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as { port: number }).port;

  const created = await stack.admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const { token } = await stack.admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: created.id } },
    body: { name: 'lab' },
  });
  const socket = await stack.admin.post('/api/v1/sockets', {
    body: {
      name: 'web',
      socket_type: 'http',
      connector_ids: [created.id],
      recording_enabled: true,
      upstream_configuration: {
        type: 'http',
        hostname: '127.0.0.1',
        port: upstreamPort,
        host_header: 'app.internal',
        headers: { 'X-Team': 'red' },
      },
    },
  });
  socketId = socket.id;
  policyId = (
    await stack.admin.post('/api/v1/policies', {
      body: {
        name: 'web-for-admin',
        org_wide: true,
        document: { permissions: { http: {} }, condition: { who: { email: ['admin@localhost'] } } },
      },
    })
  ).id;
  await stack.admin.post('/api/v1/service-accounts', { body: { name: 'batch', role: 'client' } as never });
  proxy = await stack.startProxy({
    httpLoopbackPort: 0,
    httpIdentities: identities,
    loginPage: 'http://127.0.0.1:6080/login',
  });
  connector = await startConnector({ apiUrl: stack.api.url, token, log: pino({ level: 'silent' }) });
  await eventually(
    () => get('/', bearer('admin-token')),
    (answer) => answer.status === 200,
    20_000,
  );
}, 120_000);

afterAll(async () => {
  await connector?.close();
  await stack?.close();
  upstream?.close();
});

describe('an HTTP socket', () => {
  it('answers 401 with WWW-Authenticate to a script without a token, and sends a browser to log in', async () => {
    const script = await get('/reports?x=1');
    expect(script.status).toBe(401);
    expect(script.headers['www-authenticate']).toBe('Bearer');
    expect(script.headers['content-type']).toBe('application/problem+json');
    const browser = await get('/reports?x=1', { accept: 'text/html,application/xhtml+xml' });
    expect(browser.status).toBe(302);
    const login = new URL(browser.headers.location!);
    expect(`${login.origin}${login.pathname}`).toBe('http://127.0.0.1:6080/login');
    expect(login.searchParams.get('return_to')).toBe(`http://${HOST}:1234/reports?x=1`);
    expect((await get('/', bearer('nobody-token'))).status).toBe(401);
  });

  it('carries a bearer request to the upstream with the identity, and nothing the client forged', async () => {
    const answer = await get('/hello?a=1', {
      ...bearer('admin-token'),
      'x-border0-email': 'ceo@localhost',
      'x-border0-identity': 'forged',
      'x-forwarded-for': '10.9.9.9',
      cookie: 'border0_session=web-session-1; app=1',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('hello admin@localhost GET /hello?a=1 0');
    expect(seen?.headers).toMatchObject({
      host: 'app.internal',
      'x-team': 'red',
      'x-border0-email': 'admin@localhost',
      'x-border0-identity': 'jwt-for-admin@localhost',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': `${HOST}:1234`,
      cookie: 'app=1',
    });
    expect(seen?.headers.authorization).toBeUndefined();
  });

  it('streams a request body up and keeps the upstream from setting the proxy’s cookie', async () => {
    const body = 'x'.repeat(5 * 1024 * 1024);
    const answer = await get('/cookie', bearer('admin-token'), 'POST', body);
    expect(answer.body).toBe(`hello admin@localhost POST /cookie ${body.length}`);
    expect(answer.headers['set-cookie']).toEqual(['app=1']);
  });

  it('serves the socket on the TLS listener too, by SNI, without a client certificate (ALPN http/1.1)', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const tls = tlsConnect({
        host: '127.0.0.1',
        port: proxy.port,
        servername: HOST,
        rejectUnauthorized: false,
        ALPNProtocols: ['h2', 'http/1.1'],
      });
      let out = '';
      tls.on('secureConnect', () => {
        expect(tls.alpnProtocol).toBe('http/1.1');
        tls.write(
          `GET /tls HTTP/1.1\r\nhost: ${HOST}\r\nauthorization: Bearer admin-token\r\nconnection: close\r\n\r\n`,
        );
      });
      tls.on('data', (chunk) => (out += chunk));
      tls.on('end', () => resolve(out));
      tls.on('error', reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toContain('hello admin@localhost GET /tls 0');
    expect(seen?.headers['x-forwarded-proto']).toBe('https');
  });

  it('carries a WebSocket both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.handle.httpLoopbackPort}/chat`, {
      headers: { host: HOST, ...bearer('admin-token'), 'x-border0-email': 'ceo@localhost' },
    });
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        messages.push(String(data));
        if (messages.length === 1) ws.send('ping');
        else resolve();
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(messages).toEqual(['welcome admin@localhost', 'echo ping']);
    const refused = new WebSocket(`ws://127.0.0.1:${proxy.handle.httpLoopbackPort}/chat`, {
      headers: { host: HOST },
    });
    const status = await new Promise<number>((resolve) => {
      refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.on('error', () => resolve(-1));
    });
    expect(status).toBe(401);
  });

  it('refuses an identity no policy allows with a 403 page that says why', async () => {
    const answer = await get('/', { ...bearer('batch-token'), accept: 'text/html' });
    expect(answer.status).toBe(403);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.body).toContain('service account batch may not use web: denied');
    const script = await get('/', bearer('batch-token'));
    expect(JSON.parse(script.body)).toMatchObject({ status: 403, title: 'Access denied' });
  });

  it('completes a browser login: the code becomes its cookie, and it goes back to a path on this host only', async () => {
    const back = await get(
      `/.border0/callback?code=good-code&return_to=${encodeURIComponent('/reports?y=2')}`,
    );
    expect(back.status).toBe(302);
    expect(back.headers.location).toBe('/reports?y=2');
    const cookie = back.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/^border0_session=web-session-1; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const page = await get('/reports?y=2', { cookie: 'border0_session=web-session-1', accept: 'text/html' });
    expect(page.body).toBe('hello admin@localhost GET /reports?y=2 0');
    const evil = await get(
      `/.border0/callback?code=good-code&return_to=${encodeURIComponent('//evil.example/')}`,
    );
    expect(evil.headers.location).toBe('/');
    expect((await get('/.border0/callback?code=used')).status).toBe(401);
  });

  it('keeps one session per identity, with an access log of every request', async () => {
    await get('/logged?n=1', bearer('admin-token'));
    const sessions = (await sessionsOf(stack.admin, 'web')).filter(
      (s) => s.result === 'allowed' && s.user.email === 'admin@localhost',
    );
    expect(sessions).toHaveLength(1);
    const session = sessions[0]!;
    const lines = await eventually(
      async () => {
        const recordings = await stack.admin.get('/api/v1/sessions/{session_id}/recordings', {
          params: { path: { session_id: session.id } },
        });
        const recording = recordings.items.find((r) => r.format === 'http-log');
        if (!recording) return [];
        const { data } = await stack.admin.raw.GET(
          '/api/v1/sessions/{session_id}/recordings/{recording_id}',
          {
            params: { path: { session_id: session.id, recording_id: recording.id } },
            parseAs: 'text',
          },
        );
        return String(data)
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line));
      },
      (lines) => lines.some((line) => line.path === '/logged?n=1'),
      10_000,
    );
    expect(lines[0]).toMatchObject({ version: 1, socket: HOST, identity: 'admin@localhost' });
    expect(lines.find((line) => line.path === '/logged?n=1')).toMatchObject({
      method: 'GET',
      status: 200,
      bytes_in: 0,
      bytes_out: 'hello admin@localhost GET /logged?n=1 0'.length,
      user: 'admin@localhost',
      duration_ms: expect.any(Number),
      t: expect.any(Number),
    });
    expect(lines.find((line) => line.upgrade)).toMatchObject({ path: '/chat', status: 101 });
  });

  it('ends access within seconds once the policy is gone, and the session says why', async () => {
    await stack.admin.delete('/api/v1/policies/{policy}', { params: { path: { policy: policyId } } });
    const refused = await eventually(
      () => get('/', bearer('admin-token')),
      (answer) => answer.status === 403,
      10_000,
    );
    expect(JSON.parse(refused.body).detail).toMatch(/^admin@localhost may not use web: /);
    const ended = await eventually(
      async () =>
        (await sessionsOf(stack.admin, 'web')).find(
          (s) => s.user.email === 'admin@localhost' && s.result === 'terminated',
        ),
      (session) => session !== undefined,
      10_000,
    );
    expect(ended?.reason).toMatch(/access revoked/);
  });
});
