/**
 * HTTP sockets end to end, every part its own process (API, proxy with its loopback HTTP listener, connector)
 * in front of a web app in this process: curl with a service account's token reaches the app and without one
 * gets 401, the app verifies the identity JWT with the organization's JWKS (jose), a client-sent
 * X-Border0-Email never reaches it, a WebSocket echoes through, and 1 GB down and 1 GB up stream through the
 * proxy while its peak RSS stays bounded. The quick start's `web` socket answers at the address
 * `border0 start` prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createClient } from '@border0/sdk';
import {
  BIN,
  border0,
  eventually,
  freePort,
  type Platform,
  daemon as startDaemon,
  startPlatform,
  tempDir,
} from '@border0/testing';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';

const children: ChildProcess[] = [];
const daemon = (command: string, args: string[], env: Record<string, string>, ready: RegExp) =>
  startDaemon(children, command, args, env, ready);

const HOST = 'web-local.localhost';
const GB = 1024 ** 3;
let api: Platform;
let env: Record<string, string>;
let proxyPort: number;
let httpPort: number;
let proxyPid: number;
let token: string;
let app: Server;
/** What the app saw of its last request, and whether the identity JWT verified. */
let seen:
  | { headers: IncomingHttpHeaders; verified?: { sub?: unknown; email?: unknown } | string }
  | undefined;

/** curl's status line, headers and body (text), or its output to /dev/null with the bytes it moved. */
function curl(args: string[], input?: Readable): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('curl', ['-sS', ...args], { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    if (input && child.stdin) input.pipe(child.stdin);
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const loopback = (path: string) => [
  '--resolve',
  `${HOST}:${httpPort}:127.0.0.1`,
  `http://${HOST}:${httpPort}${path}`,
];
const overTls = (path: string) => [
  '-k',
  '--resolve',
  `${HOST}:${proxyPort}:127.0.0.1`,
  `https://${HOST}:${proxyPort}${path}`,
];

/** The proxy's peak resident memory so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const line = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1]) * 1024;
}

/** `bytes` of zeros, produced as they are read. */
function zeros(bytes: number): Readable {
  const chunk = Buffer.alloc(1024 * 1024);
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      this.push(part);
    },
  });
}

beforeAll(async () => {
  const dataDir = tempDir('http');
  env = { BORDER0_CONFIG_DIR: tempDir('http-config') };
  api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], env);
  env.BORDER0_API_URL = api.url;
  const admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
  });
  const organization = (await admin.get('/api/v1/organizations')).items.find((o) => o.name === 'local')!;
  const jwks = createRemoteJWKSet(new URL(`${api.url}/api/v1/organizations/local/jwks`));

  app = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    if (url.pathname === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      zeros(Number(url.searchParams.get('bytes'))).pipe(res);
      return;
    }
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', async () => {
      const identity = String(req.headers['x-border0-identity'] ?? '');
      const verified = await jwtVerify(identity, jwks, { audience: HOST }).then(
        ({ payload }) => payload,
        (error: Error) => error.message,
      );
      seen = { headers: req.headers, verified };
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hello ${req.headers['x-border0-email'] ?? req.headers['x-border0-service-account']} ${bytes}`);
    });
  });
  new WebSocketServer({ server: app }).on('connection', (ws) =>
    ws.on('message', (data) => ws.send(`echo ${data}`)),
  );
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));

  proxyPort = await freePort();
  httpPort = await freePort();
  const proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  proxyPid = (
    await daemon(
      process.execPath,
      [
        BIN,
        'proxy',
        'start',
        '--token',
        proxyToken,
        '--port',
        String(proxyPort),
        '--name',
        'p1',
        '--http-port',
        String(httpPort),
      ],
      { ...env, BORDER0_LOG_LEVEL: 'warn' },
      /HTTP sockets on loopback/,
    )
  ).child.pid!;
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const connectorToken = (
    await admin.post('/api/v1/connectors/{connector}/tokens', {
      params: { path: { connector: connector.id } },
      body: { name: 'lab' },
    })
  ).token;
  await admin.post('/api/v1/sockets', {
    body: {
      name: 'web',
      socket_type: 'http',
      connector_ids: [connector.id],
      recording_enabled: true,
      upstream_configuration: {
        type: 'http',
        hostname: '127.0.0.1',
        port: (app.address() as { port: number }).port,
      },
    },
  });
  const account = await border0(
    ['service-account', 'create', 'batch', '--role', 'client', '--output', 'json'],
    env,
  );
  expect(account.code, account.stderr).toBe(0);
  token = JSON.parse(
    (await border0(['service-account', 'token', 'create', 'batch', '--output', 'json'], env)).stdout,
  ).token as string;
  await admin.post('/api/v1/policies', {
    body: {
      name: 'web-for-batch',
      org_wide: true,
      document: { permissions: { http: {} }, condition: { who: { service_account: ['batch'] } } },
    },
  });
  await daemon(
    process.execPath,
    [BIN, 'connector', 'start', '--token', connectorToken],
    env,
    /connector lab serves/,
  );
  await eventually(
    () =>
      curl([
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-H',
        `authorization: Bearer ${token}`,
        ...loopback('/'),
      ]),
    (r) => r.stdout === '200',
    20_000,
  );
  expect(organization.id).toBeDefined();
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await api?.stop();
  app?.close();
});

describe('an HTTP socket through proxy and connector', () => {
  it('lets curl with a service account token reach the app, over TLS and on loopback; 401 without one', async () => {
    for (const target of [overTls('/hi'), loopback('/hi')]) {
      const allowed = await curl(['-H', `authorization: Bearer ${token}`, ...target]);
      expect(allowed.stdout, allowed.stderr).toBe('hello batch 0');
      const refused = await curl(['-i', ...target]);
      expect(refused.stdout).toMatch(/^HTTP\/1\.1 401 /);
      expect(refused.stdout).toMatch(/^www-authenticate: Bearer\r$/im);
    }
    const wrong = await curl([
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      'authorization: Bearer b0s_nope',
      ...loopback('/'),
    ]);
    expect(wrong.stdout).toBe('401');
  });

  it('vouches for the identity with a JWT the app verifies with the JWKS, and drops a forged X-Border0-Email', async () => {
    const answer = await curl([
      '-H',
      `authorization: Bearer ${token}`,
      '-H',
      'x-border0-email: ceo@localhost',
      ...overTls('/who'),
    ]);
    expect(answer.stdout).toBe('hello batch 0');
    expect(seen?.headers['x-border0-email']).toBeUndefined();
    expect(seen?.headers.authorization).toBeUndefined();
    expect(seen?.verified).toMatchObject({ aud: HOST });
  });

  it('carries a WebSocket echo', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/chat`, {
      headers: { host: `${HOST}:${httpPort}`, authorization: `Bearer ${token}` },
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send('ping');
    const reply = await new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    ws.close();
    expect(reply).toBe('echo ping');
  });

  it('streams 1 GB down and 1 GB up with the proxy’s memory bounded', async () => {
    const before = peakRss(proxyPid);
    const down = await curl([
      '-o',
      '/dev/null',
      '-w',
      '%{size_download}',
      '-H',
      `authorization: Bearer ${token}`,
      ...loopback(`/big?bytes=${GB}`),
    ]);
    expect(Number(down.stdout), down.stderr).toBe(GB);
    const up = await curl(
      ['-T', '-', '-H', `authorization: Bearer ${token}`, ...loopback('/upload')],
      zeros(GB),
    );
    expect(up.stdout, up.stderr).toBe(`hello batch ${GB}`);
    const peak = peakRss(proxyPid);
    // Buffered anywhere, a gigabyte would show here; streamed, the proxy grows by tens of megabytes at most.
    expect(peak - before).toBeLessThan(256 * 1024 * 1024);
  }, 300_000);
});

describe('the quick start', () => {
  it('answers the web socket at the address border0 start prints', async () => {
    const dataDir = tempDir('http-quick');
    const quickEnv = { BORDER0_CONFIG_DIR: tempDir('http-quick-config') };
    const platform = await startPlatform(['--data-dir', dataDir], quickEnv);
    try {
      const printed = await eventually(
        async () =>
          /e\.g\. the web socket below: (http:\/\/web-local\.localhost:\d+\/)/.exec(platform.output())?.[1],
        (address) => address !== undefined,
        10_000,
      );
      const address = new URL(printed!);
      const port = (app.address() as { port: number }).port;
      const created = await border0(
        ['socket', 'create', '--name', 'web', '--type', 'http', '--upstream', `http://127.0.0.1:${port}`],
        quickEnv,
      );
      expect(created.code, created.stderr).toBe(0);
      const target = ['--resolve', `${address.host}:127.0.0.1`, address.toString()];
      // A browser is sent to log in, and comes back to the address it asked for.
      const browser = await eventually(
        () =>
          curl([
            '-o',
            '/dev/null',
            '-w',
            '%{http_code} %{redirect_url}',
            '-H',
            'accept: text/html',
            ...target,
          ]),
        (r) => r.stdout.startsWith('302 '),
        20_000,
      );
      const login = new URL(browser.stdout.slice(4));
      expect(login.pathname).toBe('/login');
      expect(login.searchParams.get('return_to')).toBe(address.toString());
    } finally {
      await platform.stop();
    }
  });
});
