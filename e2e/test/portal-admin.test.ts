/**
 * The portal's admin views in a real browser (headless Chromium, no route to the internet) in front of the
 * whole platform as processes (`border0 start`, a proxy, a connector) and a real OpenSSH sshd: the admin logs
 * in, creates an SSH socket and a policy in the forms (the API's field errors beside the fields, the policy
 * document checked as it is typed), asks the what-if checker, watches a real `ssh` session appear live and
 * follows its terminal, terminates it (the ssh client is cut), replays it, and sees hostile recorded text
 * (terminal output, request paths) only as text. Each main page is saved as a screenshot, at 1280×800 and at
 * a phone's width.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Border0Client, createClient } from '@border0/sdk';
import {
  BIN,
  border0,
  eventually,
  freePort,
  type Platform,
  SSHD_TEST_USER,
  type Sshd,
  daemon as startDaemon,
  startPlatform,
  startSshd,
  tempDir,
} from '@border0/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, offlineContext, SHOTS } from './browser.js';

const OWNER = 'admin@localhost';
/** Recorded text that would act on the page if a player ever turned it into markup. */
const MARKUP = '<img src=x onerror=alert(1)><script>alert(2)</script>';
/** A terminal hyperlink (OSC 8) to a javascript: URL, and a window title change: a player shows neither. */
const ESCAPES = '\\033]8;;javascript:alert(3)\\007click-me\\033]8;;\\007\\033]0;<b>title</b>\\007';

const children: ChildProcess[] = [];
let api: Platform;
let sshd: Sshd;
let admin: Border0Client;
let password: string;
let domain: string;
let sshConfig: string;
let env: Record<string, string>;
let browser: Browser;
let page: Page;
let refused: string[];
const dialogs: string[] = [];
/** What the page said went wrong: script errors and refusals by its Content Security Policy. */
const consoleErrors: string[] = [];
let connectorId: string;
let proxyToken: string;

/** An ssh client through the platform, running `command` with a terminal; resolves with its exit. */
function ssh(command: string) {
  const child = spawn('ssh', ['-F', sshConfig, '-tt', `${SSHD_TEST_USER}@box-${domain}`, command], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function open(path: string) {
  await page.goto(`${api.url}${path}`);
  if (new URL(page.url()).pathname !== '/login') return;
  await page.getByLabel('Email').fill(OWNER);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${api.url}${path}`);
}

/** The text of the field error tied to a control (its aria-describedby). */
async function errorOf(label: string): Promise<string> {
  const control = page.getByLabel(label, { exact: true });
  await expect.poll(() => control.getAttribute('aria-invalid')).toBe('true');
  const ids = (await control.getAttribute('aria-describedby')) ?? '';
  const texts = await Promise.all(ids.split(' ').map((id) => page.locator(`[id="${id}"]`).textContent()));
  return texts.join(' ');
}

const noAlerts = async () => expect(await page.getByRole('alert').allInnerTexts()).toEqual([]);

/** Nothing a recording held became markup: no image, no script in the page's content, no dialog. */
async function nothingRan() {
  expect(await page.locator('main img').count()).toBe(0);
  expect(await page.locator('main script').count()).toBe(0);
  expect(await page.locator('main a[href^="javascript:"]').count()).toBe(0);
  expect(dialogs).toEqual([]);
}

/**
 * The ssh socket `box` (and its policy `box-ssh`) as the form tests make them; made through the API when a
 * test runs alone, so that each test stands by itself.
 */
async function ensureBox(withPolicy = true): Promise<string> {
  const sockets = (await admin.get('/api/v1/sockets', { params: { query: { limit: 500 } } })).items;
  const socket =
    sockets.find((s) => s.name === 'box') ??
    (await admin.post('/api/v1/sockets', {
      body: {
        name: 'box',
        socket_type: 'ssh',
        recording_enabled: true,
        connector_ids: [connectorId],
        upstream_configuration: {
          type: 'ssh',
          hostname: '127.0.0.1',
          port: sshd.port,
          authentication_type: 'border0_certificate',
          username_provider: 'prompt_client',
        },
      },
    }));
  const policies = (await admin.get('/api/v1/policies', { params: { query: { limit: 500 } } })).items;
  if (withPolicy && !policies.some((p) => p.name === 'box-ssh')) {
    await admin.post('/api/v1/policies', {
      body: {
        name: 'box-ssh',
        sockets: ['box'],
        document: { permissions: { ssh: { shell: {}, exec: {} } }, condition: { who: { email: [OWNER] } } },
      },
    });
  }
  return socket.id;
}

/** An HTTP session on socket `name` (made when missing), reported as a proxy reports one, with its access log. */
async function reportHttpSession(name: string, result: 'allowed' | 'denied', requests: object[] = []) {
  const proxy = createClient({ baseUrl: api.url, token: proxyToken });
  const sockets = (await admin.get('/api/v1/sockets', { params: { query: { limit: 500 } } })).items;
  const socket =
    sockets.find((s) => s.name === name) ??
    (await admin.post('/api/v1/sockets', {
      body: {
        name,
        socket_type: 'http',
        upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 3000 },
      },
    }));
  const session = await proxy.post('/api/v1/proxy/sessions', {
    body: { socket_id: socket.id, user_email: OWNER, result },
  });
  if (requests.length === 0) return session.id;
  const recording = await proxy.post('/api/v1/proxy/sessions/{session_id}/recordings', {
    params: { path: { session_id: session.id } },
    body: { format: 'http-log' },
  });
  const lines = [{ version: 1, session_id: session.id, socket: name, identity: OWNER }, ...requests];
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

beforeAll(async () => {
  const work = tempDir('portal-admin');
  env = { BORDER0_CONFIG_DIR: join(work, 'config') };
  api = await startPlatform(['--data-dir', join(work, 'data'), '--no-proxy'], env);
  env.BORDER0_API_URL = api.url;
  const read = (name: string) => readFileSync(join(work, 'data', name), 'utf8').trim();
  password = read('admin-password');
  proxyToken = read('proxy-token');
  admin = createClient({ baseUrl: api.url, token: read('admin-token') });
  const org = await admin.get('/api/v1/organizations/{organization}', {
    params: { path: { organization: 'current' } },
  });
  domain = org.domain;
  const cas = await admin.get('/api/v1/client/ca');
  sshd = await startSshd({ trustedUserCAKeys: [cas.ssh_upstream_ca_public_key] });

  const proxyPort = await freePort();
  await startDaemon(
    children,
    process.execPath,
    [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'p1'],
    env,
    /proxy p1 listening/,
  );
  env.BORDER0_PROXY = `127.0.0.1:${proxyPort}`;
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  connectorId = connector.id;
  const token = await admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: connector.id } },
    body: { name: 'lab' },
  });
  await startDaemon(
    children,
    process.execPath,
    [BIN, 'connector', 'start', '--token', token.token],
    env,
    /connector lab serves/,
  );
  const written = await border0(['client', 'ssh-config'], env);
  expect(written.code, written.stderr).toBe(0);
  sshConfig = join(env.BORDER0_CONFIG_DIR!, 'ssh', `${org.name}.conf`);

  browser = await launchBrowser();
  const offline = await offlineContext(browser);
  refused = offline.refused;
  page = await offline.context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
}, 180_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await browser?.close();
  await sshd?.stop();
  await api?.stop();
});

describe('the portal’s admin views', () => {
  it('logs in and shows the dashboard, under a CSP that allows WebAssembly but no script eval', async () => {
    await open('/dashboard');
    const csp = (await page.request.get(`${api.url}/dashboard`)).headers()['content-security-policy'] ?? '';
    const scripts = csp.split(';').map((directive) => directive.trim());
    expect(scripts.find((d) => d.startsWith('script-src '))).toBe("script-src 'self' 'wasm-unsafe-eval'");
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByText('Connectors online').waitFor();
    await expect.poll(() => page.locator('.tile').first().textContent()).toMatch(/^0\s*Sockets$/);
    await page.screenshot({ path: join(SHOTS, 'admin-dashboard.png') });
    // An error in words: the problem+json's title, status and detail.
    await open('/policies/00000000-0000-4000-8000-000000000000');
    await page
      .getByRole('alert')
      .filter({ hasText: /^Could not load the policy\. Not found \(404\): .*not found/ })
      .waitFor();
  });

  it('creates and edits an SSH socket in the form, showing the API’s field errors beside the fields', async () => {
    await open('/sockets');
    await page.getByRole('link', { name: 'New socket' }).click();
    await page.getByRole('heading', { name: 'New socket' }).waitFor();
    await page.getByLabel('Type', { exact: true }).selectOption('ssh');
    await page.getByLabel('Name', { exact: true }).fill('box');
    await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await page.getByLabel('Port', { exact: true }).fill('70000');
    await page.getByLabel('Login to the upstream').selectOption('border0_certificate');
    await page.getByLabel('User name', { exact: true }).selectOption('prompt_client');
    await page.getByLabel('lab (online)').check();
    await page.getByRole('button', { name: 'Create socket' }).click();
    expect(await errorOf('Port')).toMatch(/65535/);
    await page
      .getByRole('alert')
      .filter({ hasText: /upstream_configuration\.port/ })
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'admin-socket-form-error.png') });

    await page.getByLabel('Port', { exact: true }).fill(String(sshd.port));
    await page.getByRole('button', { name: 'Create socket' }).click();
    await page.waitForURL(/\/sockets\/[0-9a-f-]{36}$/);
    const socketId = new URL(page.url()).pathname.split('/')[2]!;
    await page.getByText(`box-${domain}`, { exact: true }).waitFor();
    await page.getByText('No policy applies: nobody may use this socket (default deny).').waitFor();
    const socket = await admin.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'box' } } });
    expect(socket).toMatchObject({
      id: socketId,
      socket_type: 'ssh',
      upstream_configuration: { port: sshd.port, username_provider: 'prompt_client' },
    });
    expect(socket.connector_ids).toHaveLength(1);

    // Edited in the same form: a description and a tag, the rest kept.
    await page.getByRole('link', { name: 'Edit socket' }).click();
    await page.getByRole('heading', { name: 'Edit socket' }).waitFor();
    expect(await page.getByLabel('Port', { exact: true }).inputValue()).toBe(String(sshd.port));
    await page.getByLabel('Description', { exact: true }).fill('the lab box');
    await page.getByLabel('Tags', { exact: true }).fill('env=lab');
    await page.getByRole('button', { name: 'Save socket' }).click();
    await page.waitForURL(`${api.url}/sockets/${socketId}`);
    await page.getByText('the lab box').waitFor();
    expect(
      await admin.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'box' } } }),
    ).toMatchObject({
      description: 'the lab box',
      tags: { env: 'lab' },
      upstream_configuration: { port: sshd.port, authentication_type: 'border0_certificate' },
    });

    // What the form does not show survives an edit in it: an HTTP upstream's headers and TLS settings.
    const site = await admin.post('/api/v1/sockets', {
      body: {
        name: 'site',
        socket_type: 'http',
        upstream_configuration: {
          type: 'http',
          scheme: 'https',
          hostname: '127.0.0.1',
          port: 8443,
          headers: { 'x-team': 'ops' },
          tls: { verify: 'ca' },
        },
      },
    });
    await open(`/sockets/${site.id}/edit`);
    await page.getByLabel('Port', { exact: true }).fill('9443');
    await page.getByRole('button', { name: 'Save socket' }).click();
    await page.waitForURL(`${api.url}/sockets/${site.id}`);
    expect(
      (await admin.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'site' } } }))
        .upstream_configuration,
    ).toMatchObject({ port: 9443, scheme: 'https', headers: { 'x-team': 'ops' }, tls: { verify: 'ca' } });
  });

  it('creates a policy: the document is checked as it is typed, the builder edits it, the socket shows it', async () => {
    const socketId = await ensureBox(false);
    await open('/policies/new');
    await page.getByLabel('Name', { exact: true }).fill('box-ssh');
    await page.getByLabel('Sockets', { exact: true }).fill('box');
    const json = page.getByLabel('Document (JSON)');
    await json.fill('{"permissions":{"ssh":{"shell":{}}},"condition":{"where":{"country":["nl"]}}}');
    await page
      .getByText(/condition\.where\.country\.0: expected an ISO 3166-1 alpha-2 country code/)
      .waitFor();
    await json.fill('{"permissions":{"ssh":{"shel":{}}},"condition":{}}');
    await page.getByText(/permissions\.ssh: unknown field "shel"/).waitFor();
    await json.fill('{"permissions":{"ssh":{"shell":{}}},"condition":{}}');
    await page.getByText('The document is valid.').waitFor();
    // The builder: who, and one more SSH permission.
    await page.getByLabel('Emails').fill(OWNER);
    await page.getByLabel('Emails').press('Tab');
    await page.getByLabel('exec', { exact: true }).check();
    await expect
      .poll(async () => JSON.parse(await json.inputValue()))
      .toEqual({ permissions: { ssh: { shell: {}, exec: {} } }, condition: { who: { email: [OWNER] } } });
    await page.screenshot({ path: join(SHOTS, 'admin-policy-form.png'), fullPage: true });
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.waitForURL(/\/policies\/[0-9a-f-]{36}$/);
    const policy = await admin.get('/api/v1/policies/{policy}', { params: { path: { policy: 'box-ssh' } } });
    expect(policy.socket_ids).toEqual([socketId]);

    await open(`/sockets/${socketId}`);
    await page.getByRole('link', { name: 'box-ssh' }).waitFor();
    await page.getByText('attached to this socket').waitFor();
    await page.screenshot({ path: join(SHOTS, 'admin-socket.png') });
  });

  it('answers what-if questions with the access-check API', async () => {
    await ensureBox();
    await open('/policies');
    await page.getByRole('link', { name: 'box-ssh' }).waitFor();
    const whatIf = page.getByRole('form', { name: 'Access check' });
    await whatIf.getByLabel('Socket').selectOption('box');
    await whatIf.getByLabel('Who').fill(OWNER);
    await whatIf.getByLabel('Does').selectOption('shell');
    await whatIf.getByRole('button', { name: 'Check access' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Allowed: allowed by policy box-ssh/ })
      .waitFor();
    await whatIf.getByLabel('Who').fill('stranger@example.com');
    await whatIf.getByLabel('Does').selectOption('sftp');
    await whatIf.getByRole('button', { name: 'Check access' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Denied/ })
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'admin-policies.png'), fullPage: true });
  });

  it('shows a running ssh session live, follows its terminal, terminates it (the client is cut), replays it', async () => {
    await ensureBox();
    await open('/sessions?live=true');
    await page.getByText('No sessions match.').waitFor();
    const run = ssh('for i in $(seq 1 600); do echo tick-$i; sleep 0.3; done');
    // The list follows the platform: the live session appears without a reload.
    const row = page.locator('tbody tr', { hasText: 'box' }).filter({ hasText: 'live' });
    await row.waitFor({ timeout: 30_000 });
    // The session is listed from its start; the command's output follows within moments.
    await expect.poll(() => run.output(), { timeout: 15_000 }).toMatch(/tick-/);
    await page.screenshot({ path: join(SHOTS, 'admin-sessions-live.png') });
    await row.getByRole('link').click();
    await page.getByText('Terminal, live').waitFor();
    const terminal = page.locator('.ap-term-text');
    await expect.poll(() => terminal.textContent(), { timeout: 30_000 }).toMatch(/tick-\d+/);
    // The terminal keeps moving while the command runs: followed, not loaded once.
    const lastTick = async () =>
      Math.max(
        0,
        ...((await terminal.textContent()) ?? '').match(/tick-\d+/g)!.map((t) => Number(t.slice(5))),
      );
    const seen = await lastTick();
    await expect.poll(lastTick, { timeout: 20_000 }).toBeGreaterThan(seen);
    await page.screenshot({ path: join(SHOTS, 'admin-session-live.png') });

    await page.getByRole('button', { name: 'Terminate session' }).click();
    await page.getByRole('button', { name: 'Confirm: terminate' }).click();
    const code = await Promise.race([
      run.exited,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 15_000)),
    ]);
    expect(code).not.toBe('still running');
    expect(code).not.toBe(0);
    await page.getByText(/^terminated/).waitFor({ timeout: 15_000 });
    await noAlerts();

    // Ended: the same recording replays, with seeking controls.
    await page.getByText('Terminal recording').waitFor({ timeout: 15_000 });
    await page.locator('.ap-player').click();
    await expect.poll(() => terminal.textContent(), { timeout: 30_000 }).toMatch(/tick-1(?!\d)/);
    await page.screenshot({ path: join(SHOTS, 'admin-session-replay.png') });
  });

  it('replays hostile terminal output and request paths as text: nothing in a recording acts on the page', async () => {
    await ensureBox();
    const before = new Set((await admin.get('/api/v1/sessions')).items.map((s) => s.id));
    const run = ssh(`printf '%s\\n' '${MARKUP}'; printf '${ESCAPES}'; echo; echo done-hostile`);
    expect(await run.exited, run.output()).toBe(0);
    const session = await eventually(
      async () =>
        (
          await admin.get('/api/v1/sessions', { params: { query: { socket: 'box', live: 'false' } } })
        ).items.find((s) => !before.has(s.id)),
      (found) => found !== undefined,
      15_000,
    );
    await open(`/sessions/${session!.id}`);
    await page.getByText('Terminal recording').waitFor();
    await page.locator('.ap-player').click();
    const terminal = page.locator('.ap-term-text');
    await expect.poll(() => terminal.textContent(), { timeout: 30_000 }).toMatch(/done-hostile/);
    expect(await terminal.textContent()).toContain(MARKUP);
    expect(await terminal.textContent()).toContain('click-me');
    await nothingRan();
    expect(await page.title()).toBe('Border0');

    // An HTTP session whose access log holds markup in its paths, reported as a proxy reports it.
    // The second path holds what server/test/support/hostile-text.ts fuzzes with (NUL, a lone surrogate half),
    // a right-to-left override, and an SVG with a handler.
    const odd = '/nul\u0000/half\ud800/rtl\u202e/<svg onload=alert(4)>';
    const httpSession = await reportHttpSession('web', 'allowed', [
      { t: 0.2, method: 'GET', path: `/search?q=${MARKUP}`, status: 200, bytes_in: 0, bytes_out: 10 },
      { t: 0.4, method: 'POST', path: odd, status: 404, bytes_in: 3, bytes_out: 0 },
    ]);
    await open(`/sessions/${httpSession}`);
    await page
      .getByRole('table', { name: 'Requests' })
      .getByText(`/search?q=${MARKUP}`, { exact: true })
      .waitFor();
    await page.getByRole('table', { name: 'Requests' }).getByText('<svg onload=alert(4)>').waitFor();
    expect(await page.locator('main svg[onload]').count()).toBe(0);
    await nothingRan();
  });

  it('filters sessions by socket, user, result and time', async () => {
    await reportHttpSession('api', 'allowed');
    await reportHttpSession('api', 'denied');
    const rows = page.locator('tbody tr');
    await open('/sessions');
    await page.getByLabel('Socket').fill('api');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(new URL(page.url()).searchParams.get('socket')).toBe('api');
    await page.getByLabel('Result').selectOption('denied');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.allInnerTexts()).toEqual([expect.stringMatching(/api.*denied/s)]);
    await page.getByLabel('Result').selectOption('');
    await page.getByLabel('User').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No sessions match.').waitFor();
    await page.getByLabel('User').fill(OWNER);
    await page.getByLabel('Started from').fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No sessions match.').waitFor();
    await page.getByLabel('Started from').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'admin-sessions.png') });
  });

  it('shows connectors, people, identity providers and the audit log with its chain verified', async () => {
    await ensureBox();
    await open('/connectors');
    await page.getByRole('heading', { name: /^lab/ }).waitFor();
    await page.getByText('Sockets served: box').waitFor();
    await page.getByText(/Proxies connected: p1/).waitFor();
    await page.getByLabel('New token name').fill('spare');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText(/^The token, shown once: b0/).waitFor();
    const spare = page.getByRole('listitem').filter({ hasText: /^spare: expires/ });
    await spare.waitFor();
    await page.getByRole('button', { name: 'Revoke token spare' }).click();
    await page.getByRole('button', { name: /^Confirm: revoke spare/ }).click();
    await spare.waitFor({ state: 'detached' });
    await page.screenshot({ path: join(SHOTS, 'admin-connectors.png') });

    await open('/members');
    await page.getByRole('cell', { name: OWNER, exact: true }).waitFor();
    await page.getByRole('button', { name: 'Add member' }).click();
    expect(await errorOf('Email')).toMatch(/email/i);
    await page.getByLabel('Email', { exact: true }).fill('bob@localhost');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('cell', { name: 'bob@localhost', exact: true }).waitFor();
    await page.getByLabel('Role of bob@localhost').selectOption('read_only');
    await expect
      .poll(
        async () =>
          (await admin.get('/api/v1/members/{member}', { params: { path: { member: 'bob@localhost' } } }))
            .role,
      )
      .toBe('read_only');
    await page.getByRole('button', { name: 'Remove bob@localhost' }).click();
    await page.getByRole('button', { name: 'Confirm: remove bob@localhost' }).click();
    await page.getByRole('cell', { name: 'bob@localhost', exact: true }).waitFor({ state: 'detached' });
    await page.screenshot({ path: join(SHOTS, 'admin-members.png') });

    await open('/groups');
    await page.getByLabel('Name', { exact: true }).fill('ops');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('heading', { name: 'ops' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'admin-groups.png') });

    await open('/service-accounts');
    await page.getByLabel('Name', { exact: true }).fill('deployer');
    await page.getByRole('button', { name: 'Create service account' }).click();
    await page.getByRole('cell', { name: 'deployer', exact: true }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'admin-service-accounts.png') });

    await open('/identity-providers');
    await page.getByText('No identity providers.').waitFor();

    await open('/audit');
    await page.getByText(/^Chain verified: all \d+ entries are intact and linked\.$/).waitFor();
    await page.getByRole('cell', { name: 'policy.create' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'admin-audit.png') });
    await noAlerts();
  });

  it('is usable from the keyboard and fits a phone’s width on every admin page', async () => {
    const socketId = await ensureBox();
    await open('/dashboard');
    // The skip link is the first stop of the keyboard, and takes it to the page's content.
    await page.locator('main h1').waitFor();
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate<string | undefined>('document.activeElement?.id')).toBe('main');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of [
      '/dashboard',
      '/sockets',
      `/sockets/${socketId}`,
      '/policies',
      '/sessions',
      '/connectors',
      '/audit',
    ]) {
      await open(path);
      await page.locator('main h1').first().waitFor();
      await page
        .locator('main [role="status"]')
        .filter({ hasText: /^Loading/ })
        .waitFor({ state: 'detached' });
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.screenshot({ path: join(SHOTS, 'admin-phone-audit.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(refused).toEqual([]);
    // Nothing failed in the page along the way: no script error, nothing its CSP refused.
    expect(consoleErrors.filter((e) => !/status of (400|404)/.test(e))).toEqual([]);
  });
});
