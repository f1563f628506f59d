/**
 * Logging in to an HTTP socket in a real browser: headless Chromium (Debian's, driven by playwright-core) in
 * front of the platform as separate processes (API, proxy with its loopback HTTP listener, connector), a
 * small upstream app on loopback that prints the headers it got, and a real OIDC provider (oidc-provider) on
 * loopback as the organization's identity provider. A visit is sent to the login page; the provider's button
 * goes through the IdP's own login and lands on the app, which sees X-Border0-Email; IdP groups satisfy a
 * group policy; a person outside every policy sees the proxy's 403 page with its reason; an email and
 * password login works too; logging out everywhere ends access (the next visit goes to login again).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { type Border0Client, createClient } from '@border0/sdk';
import {
  BIN,
  eventually,
  freePort,
  type Platform,
  daemon as startDaemon,
  startPlatform,
  startTestIdp,
  type TestIdp,
  tempDir,
} from '@border0/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'a long and good password';
const HOST = 'web-local.localhost';

const children: ChildProcess[] = [];
let api: Platform;
let admin: Border0Client;
let app: Server;
let idp: TestIdp;
let browser: Browser;
let socketUrl: string;

/** A page in a browser context of its own: a person's browser with no cookies yet. */
async function freshPage(): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

/** Visits the socket, is sent to the login page, and logs in through the identity provider as `user`. */
async function logInWithIdp(page: Page, user: string, path = '/hello') {
  await page.goto(`${socketUrl}${path}`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByRole('link', { name: 'Log in with Test IdP' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  await page.getByLabel('User').fill(user);
  await page.getByRole('button', { name: 'Sign in to the IdP' }).click();
  await page.waitForURL((url) => url.hostname === HOST);
}

beforeAll(async () => {
  // Never skipped: without Chromium this suite fails, and says how to get it.
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-packages.sh (apt-get install chromium)`);
  }
  const dataDir = tempDir('http-browser');
  const env: Record<string, string> = { BORDER0_CONFIG_DIR: tempDir('http-browser-config') };
  api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], env);
  env.BORDER0_API_URL = api.url;
  admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
  });

  // The upstream app: it shows the headers it got, one per line.
  app = createServer((req, res) => {
    const lines = Object.entries(req.headers).map(([name, value]) => `${name}: ${String(value)}`);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`upstream app ${req.url}\n${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));

  idp = await startTestIdp({
    redirectUris: [`${api.url}/login/oidc/callback`],
    users: {
      amy: { email: 'amy@acme.dev', email_verified: true, groups: ['eng'] },
      bob: { email: 'bob@acme.dev', email_verified: true, groups: ['sales'] },
    },
  });

  const proxyPort = await freePort();
  const httpPort = await freePort();
  const proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  await startDaemon(
    children,
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
  );
  socketUrl = `http://${HOST}:${httpPort}`;
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const connectorToken = await admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: connector.id } },
    body: { name: 'lab' },
  });
  await admin.post('/api/v1/sockets', {
    body: {
      name: 'web',
      socket_type: 'http',
      connector_ids: [connector.id],
      upstream_configuration: {
        type: 'http',
        hostname: '127.0.0.1',
        port: (app.address() as { port: number }).port,
      },
    },
  });
  await admin.post('/api/v1/groups', { body: { name: 'eng' } });
  await admin.post('/api/v1/groups', { body: { name: 'sales' } });
  for (const email of ['amy@acme.dev', 'bob@acme.dev', 'carol@acme.dev']) {
    await admin.post('/api/v1/members', { body: { email, role: 'client' } });
  }
  await admin.put('/api/v1/members/{member}/password', {
    params: { path: { member: 'carol@acme.dev' } },
    body: { password: PASSWORD },
  });
  const eng = (await admin.get('/api/v1/groups/{group}', { params: { path: { group: 'eng' } } })).id;
  const policies: [string, { group?: string[]; email?: string[] }][] = [
    ['web-for-eng', { group: [eng] }],
    ['web-for-carol', { email: ['carol@acme.dev'] }],
  ];
  for (const [name, who] of policies) {
    await admin.post('/api/v1/policies', {
      body: { name, org_wide: true, document: { permissions: { http: {} }, condition: { who } } },
    });
  }
  await admin.post('/api/v1/identity-providers', {
    body: {
      name: 'test-idp',
      display_name: 'Test IdP',
      issuer: idp.issuer,
      client_id: idp.clientId,
      client_secret: idp.clientSecret,
    },
  });
  await startDaemon(
    children,
    process.execPath,
    [BIN, 'connector', 'start', '--token', connectorToken.token],
    env,
    /connector lab serves/,
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
    ],
  });
  // Ready when the proxy knows the socket and sends a browser to log in (fetch cannot set Host: node:http).
  const statusOfVisit = () =>
    new Promise<number>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: httpPort,
          path: '/',
          headers: { host: `${HOST}:${httpPort}`, accept: 'text/html' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', () => resolve(0));
      req.end();
    });
  await eventually(statusOfVisit, (status) => status === 302, 20_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const child of children) child.kill('SIGKILL');
  await api?.stop();
  await idp?.close();
  app?.close();
});

describe('an HTTP socket in a browser', () => {
  it('sends a visitor to log in; through the identity provider they land on the app, which sees their email', async () => {
    const page = await freshPage();
    await page.goto(`${socketUrl}/hello?x=1`);
    const login = new URL(page.url());
    expect(login.origin).toBe(new URL(api.url).origin);
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('return_to')).toBe(`${socketUrl}/hello?x=1`);
    await logInWithIdp(page, 'amy', '/hello?x=1');
    expect(page.url()).toBe(`${socketUrl}/hello?x=1`);
    const text = await page.locator('body').textContent();
    expect(text).toContain('upstream app /hello?x=1');
    // IdP groups satisfied the group policy: amy is in eng through the groups claim only.
    expect(text).toMatch(/^x-border0-email: amy@acme\.dev$/m);
    expect(text).toMatch(/^x-border0-identity: ey/m);
    expect(text).not.toContain('border0_session');
    const eng = await admin.get('/api/v1/groups/{group}', { params: { path: { group: 'eng' } } });
    expect(eng.members.map((m) => m.email)).toEqual(['amy@acme.dev']);
    await page.context().close();
  });

  it('shows a person outside every policy the 403 page with its reason', async () => {
    const page = await freshPage();
    await logInWithIdp(page, 'bob');
    const response = await page.reload();
    expect(response?.status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('Access denied');
    expect(await page.locator('p.why').textContent()).toMatch(/^bob@acme\.dev may not use web: .+/);
    await page.context().close();
  });

  it('logs in with email and password, and logging out everywhere ends access', async () => {
    const page = await freshPage();
    await page.goto(`${socketUrl}/private`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Email').fill('carol@acme.dev');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.waitForURL(`${socketUrl}/private`);
    expect(await page.locator('body').textContent()).toMatch(/^x-border0-email: carol@acme\.dev$/m);

    await page.goto(`${api.url}/login`);
    expect(await page.locator('body').textContent()).toContain('You are logged in as carol@acme.dev');
    await page.getByRole('button', { name: 'Log out everywhere' }).click();
    await page.waitForURL(`${api.url}/logout`);
    expect(await page.locator('h1').textContent()).toBe('Logged out');
    // The socket's own cookie is still in the browser, but its web session ended: the next visit goes to login.
    await eventually(
      async () => {
        await page.goto(`${socketUrl}/private`);
        return new URL(page.url()).pathname;
      },
      (path) => path === '/login',
      15_000,
    );
    expect(new URL(page.url()).searchParams.get('return_to')).toBe(`${socketUrl}/private`);
    await page.context().close();
  });
});
