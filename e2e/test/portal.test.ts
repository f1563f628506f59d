/**
 * The portal in a real browser (headless Chromium with no route to the internet) in front of `border0 start`:
 * a visitor is sent to the login, logs in as the owner with the first password from the data directory, sees
 * My resources with connect instructions and the Sockets list, opens a database session whose query log holds
 * markup and sees it as text (nothing runs), and logs out. The browser login authenticates the portal's API
 * requests only from its own origin, and its changes only with the CSRF header.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Border0Client, createClient } from '@border0/sdk';
import { type Platform, startPlatform, tempDir } from '@border0/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, offlineContext, SHOTS } from './browser.js';

const OWNER = 'admin@localhost';
const HOSTILE = '<img src=x onerror=alert(1)>';

let api: Platform;
let admin: Border0Client;
let password: string;
let browser: Browser;
let context: BrowserContext;
let refused: string[];
let page: Page;
let sessionId: string;
const dialogs: string[] = [];

/** A database session with a query log, reported and uploaded through the proxy API as a proxy does. */
async function reportDatabaseSession(proxy: Border0Client, socketId: string): Promise<string> {
  const session = await proxy.post('/api/v1/proxy/sessions', {
    body: { socket_id: socketId, user_email: OWNER, result: 'allowed' },
  });
  const recording = await proxy.post('/api/v1/proxy/sessions/{session_id}/recordings', {
    params: { path: { session_id: session.id } },
    body: { format: 'query-log' },
  });
  const lines = [
    {
      version: 1,
      protocol: 'postgres',
      session_id: session.id,
      socket: 'db',
      identity: OWNER,
      database: 'app',
    },
    { t: 0.5, kind: 'query', database: 'app', statement: 'select 1', query_type: 'select', rows: 1 },
    { t: 0.9, kind: 'query', database: 'app', statement: `select '${HOSTILE}'`, rows: 1 },
  ];
  const path = { session_id: session.id, recording_id: recording.id };
  await proxy.put('/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/chunks/{seq}', {
    params: { path: { ...path, seq: 0 } },
    body: new TextEncoder().encode(lines.map((l) => `${JSON.stringify(l)}\n`).join('')) as never,
    bodySerializer: (body: unknown) => body as Uint8Array,
    headers: { 'content-type': 'application/octet-stream' },
  });
  await proxy.post('/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/end', { params: { path } });
  return session.id;
}

/** Opens a portal page, logging in first when the browser has no login (so that each test runs alone). */
async function open(path: string) {
  await page.goto(`${api.url}${path}`);
  if (new URL(page.url()).pathname !== '/login') return;
  await page.getByLabel('Email').fill(OWNER);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${api.url}${path}`);
}

beforeAll(async () => {
  const dataDir = tempDir('portal');
  api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], {
    BORDER0_CONFIG_DIR: tempDir('portal-config'),
  });
  const read = (name: string) => readFileSync(join(dataDir, name), 'utf8').trim();
  password = read('admin-password');
  admin = createClient({ baseUrl: api.url, token: read('admin-token') });
  const proxy = createClient({ baseUrl: api.url, token: read('proxy-token') });
  await admin.post('/api/v1/sockets', {
    body: {
      name: 'web',
      socket_type: 'http',
      upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 3000 },
    },
  });
  const db = await admin.post('/api/v1/sockets', {
    body: {
      name: 'db',
      socket_type: 'database',
      upstream_configuration: {
        type: 'database',
        protocol: 'postgres',
        hostname: '127.0.0.1',
        port: 5432,
        authentication_type: 'no_auth',
      },
    },
  });
  sessionId = await reportDatabaseSession(proxy, db.id);
  browser = await launchBrowser();
  ({ context, refused } = await offlineContext(browser));
  page = await context.newPage();
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('the portal', () => {
  it('sends a visitor without a login to the login page, and back to the portal after it', async () => {
    await page.goto(`${api.url}/sockets`);
    const atLogin = new URL(page.url());
    expect(atLogin.pathname).toBe('/login');
    expect(atLogin.searchParams.get('return_to')).toBe(`${api.url}/sockets`);
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${api.url}/sockets`);
    await page.getByRole('heading', { name: 'Sockets' }).waitFor();
  });

  it('says so when no socket is open to the person (no policy yet)', async () => {
    await open('/');
    await page.getByText('No socket is open to you now.', { exact: false }).waitFor();
    expect(await page.locator('.card').count()).toBe(0);
  });

  it('shows My resources with connect instructions per socket type', async () => {
    // What the policies let the owner use, and only that: the API decides each socket.
    await admin.post('/api/v1/policies', {
      body: {
        name: 'owner-uses-db-and-web',
        org_wide: true,
        document: { permissions: { database: {}, http: {} }, condition: { who: { email: [OWNER] } } },
      },
    });
    await open('/sessions');
    await page.getByRole('link', { name: 'My resources' }).click();
    await page.getByRole('heading', { name: 'My resources' }).waitFor();
    await page.getByText('border0 client db db', { exact: true }).waitFor();
    await page.getByText(/^https:\/\/web-local\./).waitFor();
    await page.screenshot({ path: join(SHOTS, 'portal-my-resources.png') });
  });

  it('lists sockets and filters them by type and name, from the keyboard', async () => {
    await open('/');
    await page.getByRole('link', { name: 'Sockets' }).focus();
    await page.keyboard.press('Enter');
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel('Type').selectOption('database');
    await expect.poll(() => rows.allInnerTexts()).toEqual([expect.stringMatching(/^db\s+database/)]);
    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('Name').fill('we');
    await expect.poll(() => rows.allInnerTexts()).toEqual([expect.stringMatching(/^web\s+http/)]);
    await page.screenshot({ path: join(SHOTS, 'portal-sockets.png') });
  });

  it('shows a session’s query log as text: markup in a statement runs nothing', async () => {
    await open('/');
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    await page.locator(`a[href="/sessions/${sessionId}"]`).click();
    await page.waitForURL(`${api.url}/sessions/${sessionId}`);
    const statements = page.getByRole('table', { name: 'Statements' });
    await statements.getByText(`select '${HOSTILE}'`, { exact: true }).waitFor();
    await statements.getByText('select 1', { exact: true }).waitFor();
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'portal-session.png') });
  });

  it('fits a phone’s width without scrolling sideways', async () => {
    await open('/');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByText('border0 client db db', { exact: true }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SHOTS, 'portal-phone.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('accepts the login cookie only from its own origin, and changes only with the CSRF header', async () => {
    await open('/');
    const cookie = (await context.cookies(api.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    const call = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
      fetch(`${api.url}${path}`, { ...init, headers: { cookie, ...init.headers } });
    expect((await call('/api/v1/sockets', { headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(
      200,
    );
    expect((await call('/api/v1/sockets', { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await call('/api/v1/sockets', { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await call('/api/v1/sockets')).status).toBe(403);
    const create = (headers: Record<string, string>) =>
      call('/api/v1/groups', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...headers },
        body: JSON.stringify({ name: 'from-the-portal' }),
      });
    const withoutCsrf = await create({});
    expect(withoutCsrf.status).toBe(403);
    expect(await withoutCsrf.text()).toMatch(/X-CSRF-Token/);
    const csrf = (await context.cookies(api.url)).find((c) => c.name === 'border0_csrf')!.value;
    expect((await create({ 'x-csrf-token': csrf })).status).toBe(201);
  });

  it('logs out: the next visit goes to the login page', async () => {
    await open('/');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You are logged out.').waitFor();
    await page.goto(`${api.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(refused).toEqual([]);
  });
});
