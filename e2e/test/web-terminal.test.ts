/**
 * The terminal in the browser, end to end: API (`border0 start`), a proxy and a connector as processes, a real
 * OpenSSH sshd upstream, and headless Chromium on the portal. The owner opens a terminal from My resources,
 * runs a command (UTF-8 both ways), resizes the window and the shell sees it; the session is in the sessions
 * list as the owner's, from the browser's address, and recorded; terminating it closes the terminal. A
 * ticket is good once.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAsciicast } from '@border0/protocol';
import { createClient } from '@border0/sdk';
import {
  BIN,
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
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CHROMIUM, SHOTS } from './browser.js';

const OWNER = 'admin@localhost';
const children: ChildProcess[] = [];
let api: Platform;
let sshd: Sshd;
let admin: ReturnType<typeof createClient>;
let password: string;
let browser: Browser;
let page: Page;
let proxyLog: () => string;
const consoleLines: string[] = [];

beforeAll(async () => {
  const work = tempDir('web-terminal');
  const env = { BORDER0_CONFIG_DIR: join(work, 'config') };
  api = await startPlatform(['--data-dir', join(work, 'data'), '--no-proxy'], env, 90_000);
  const read = (name: string) => readFileSync(join(work, 'data', name), 'utf8').trim();
  password = read('admin-password');
  admin = createClient({ baseUrl: api.url, token: read('admin-token') });
  sshd = await startSshd({ passwordAuthentication: true });
  const proxyPort = await freePort();
  ({ output: proxyLog } = await startDaemon(
    children,
    process.execPath,
    [BIN, 'proxy', 'start', '--token', read('proxy-token'), '--port', String(proxyPort), '--name', 'p1'],
    env,
    /proxy p1 listening/,
  ));
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const token = await admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: connector.id } },
    body: { name: 'lab' },
  });
  await admin.post('/api/v1/sockets', {
    body: {
      name: 'box',
      socket_type: 'ssh',
      recording_enabled: true,
      connector_ids: [connector.id],
      upstream_configuration: {
        type: 'ssh',
        hostname: '127.0.0.1',
        port: sshd.port,
        authentication_type: 'username_and_password',
        username: SSHD_TEST_USER,
        password: sshd.password,
      },
    },
  });
  await admin.post('/api/v1/policies', {
    body: {
      name: 'owner-shell',
      sockets: ['box'],
      document: { permissions: { ssh: { shell: {} } }, condition: { who: { email: [OWNER] } } },
    },
  });
  await startDaemon(
    children,
    process.execPath,
    [BIN, 'connector', 'start', '--token', token.token],
    env,
    /connector lab serves/,
  );
  // The proxy's certificate comes from the platform's own CA, which this throwaway browser does not know.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--ignore-certificate-errors'],
  });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('console', (message) => consoleLines.push(message.text()));
  page.on('websocket', (ws) => {
    consoleLines.push(`websocket ${ws.url()}`);
    ws.on('socketerror', (error) => consoleLines.push(`websocket error ${error}`));
    ws.on('close', () => consoleLines.push('websocket closed'));
  });
}, 120_000);

afterAll(async () => {
  if (process.env.DEBUG_WEB_TERMINAL) {
    console.log(await page?.getByRole('status').allTextContents(), consoleLines, proxyLog?.());
  }
  await browser?.close();
  for (const child of children) child.kill('SIGKILL');
  await sshd?.stop();
  await api?.stop();
});

/** What the terminal shows, as text. */
const screen = async () => (await page.locator('.xterm-rows > div').allTextContents()).join('\n');

async function typeLine(line: string) {
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

describe('the web terminal', () => {
  it('runs a command on a real sshd from My resources, in UTF-8, and follows the window size', async () => {
    await page.goto(`${api.url}/`);
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My resources' }).waitFor();
    await page.getByRole('link', { name: 'Open a terminal' }).click();
    await page.waitForURL(`${api.url}/terminal/box`);
    await page.getByText('Connected', { exact: false }).waitFor();
    // Typed in ASCII, answered in UTF-8: keyboard.type sends characters a US layout lacks as text insertions,
    // which xterm.js may take together with the keys after them (seen: a run of keys sent twice).
    await typeLine(String.raw`echo "$(printf 'gr\303\274\303\237e') $((6*7)) from $(whoami)"`);
    await eventually(screen, (text) => text.includes(`grüße 42 from ${SSHD_TEST_USER}`), 15_000);
    await page.screenshot({ path: join(SHOTS, 'portal-web-terminal.png') });

    await typeLine('stty size');
    const before = await eventually(screen, (text) => /^\d+ \d+$/m.test(text), 10_000);
    const [first] = before.match(/^\d+ \d+$/m)!;
    await page.setViewportSize({ width: 800, height: 600 });
    await typeLine('clear; stty size');
    await eventually(
      screen,
      (text) => {
        const size = text.match(/^\d+ \d+$/m)?.[0];
        return size !== undefined && size !== first;
      },
      10_000,
    );
  }, 90_000);

  it('is a session of the owner from the browser, recorded, and terminating it closes the terminal', async () => {
    const page1 = await admin.get('/api/v1/sessions', { params: { query: { socket: 'box', live: 'true' } } });
    expect(page1.items).toHaveLength(1);
    const session = page1.items[0]!;
    expect(session).toMatchObject({ user: { email: OWNER }, result: 'allowed', client_ip: '127.0.0.1' });
    await admin.post('/api/v1/sessions/{session_id}/terminate', {
      params: { path: { session_id: session.id } },
    });
    await page.getByText('Closed:', { exact: false }).waitFor({ timeout: 15_000 });
    const recording = await eventually(
      async () => {
        const list = await admin.get('/api/v1/sessions/{session_id}/recordings', {
          params: { path: { session_id: session.id } },
        });
        const first = list.items[0];
        if (!first) return '';
        const { data } = await admin.raw.GET('/api/v1/sessions/{session_id}/recordings/{recording_id}', {
          params: { path: { session_id: session.id, recording_id: first.id } },
          parseAs: 'text',
        });
        return String(data ?? '');
      },
      (text) => text.includes('grüße 42'),
      15_000,
    );
    const { events } = parseAsciicast(recording);
    expect(events.map((e) => e[2]).join('')).toContain(`grüße 42 from ${SSHD_TEST_USER}`);
    const ended = await admin.get('/api/v1/sessions/{session_id}', {
      params: { path: { session_id: session.id } },
    });
    expect(ended.live).toBe(false);
  }, 60_000);

  it('takes a ticket once: a second WebSocket with the same ticket is refused', async () => {
    const ticket = await page.evaluate<{ url: string; ticket: string }>(`(async () => {
      const csrf = document.querySelector('meta[name="border0-csrf"]').content;
      const res = await fetch('/api/v1/me/sockets/box/terminal', { method: 'POST', headers: { 'x-csrf-token': csrf } });
      return res.json();
    })()`);
    const open = () =>
      new Promise<{ code: number; reason: string; output: string }>((resolve) => {
        // Node resolves no `*.localhost` names: the proxy at loopback, with the socket's host as SNI and Host.
        const url = new URL(ticket.url);
        const ws = new WebSocket(`wss://127.0.0.1:${url.port}${url.pathname}`, {
          rejectUnauthorized: false,
          servername: url.hostname,
          headers: { host: url.host },
        } as WebSocket.ClientOptions);
        let output = '';
        ws.on('open', () => ws.send(JSON.stringify({ ticket: ticket.ticket, cols: 80, rows: 24 })));
        ws.on('message', (data) => {
          output += String(data);
          if (output.includes('$')) ws.close(1000, 'done');
        });
        ws.on('close', (code, reason) => resolve({ code, reason: String(reason), output }));
        ws.on('error', (error) => resolve({ code: 0, reason: error.message, output }));
      });
    const firstUse = await open();
    expect(firstUse.code).toBe(1000);
    const replay = await open();
    expect(replay).toMatchObject({ code: 4401, reason: expect.stringMatching(/not valid/) });
  }, 60_000);

  it('keeps keys typed before the shell is there, and carries a large output whole through the relay', async () => {
    const ticket = await page.evaluate<{ ticket: string }>(`(async () => {
      const csrf = document.querySelector('meta[name="border0-csrf"]').content;
      const res = await fetch('/api/v1/me/sockets/box/terminal', { method: 'POST', headers: { 'x-csrf-token': csrf } });
      return res.json();
    })()`);
    const origin = new URL(api.url);
    const output = await new Promise<string>((resolve, reject) => {
      // The portal's way: the API's relay on its own origin.
      const ws = new WebSocket(`ws://${origin.host}/api/terminal`, { origin: origin.origin });
      let text = '';
      ws.on('open', () => {
        ws.send(JSON.stringify({ ticket: ticket.ticket, cols: 80, rows: 24 }));
        // At once, while the ticket is checked, the proxy reached and the shell started.
        ws.send(Buffer.from('seq 1 60000; echo early-$((6*7))\n'));
      });
      ws.on('message', (data) => {
        text += String(data);
        if (/early-42\r?\n/.test(text)) ws.close(1000, 'done');
      });
      ws.on('close', (code, reason) => resolve(text || `closed ${code} ${reason}`));
      ws.on('error', reject);
    });
    expect(output).toMatch(/early-42\r?\n/);
    // seq's output arrived whole and in order: every number from 1 to 60000 once.
    const numbers = output.match(/^\d+(?=\r?$)/gm)?.map(Number) ?? [];
    const tail = numbers.slice(numbers.indexOf(1));
    expect(tail.slice(0, 60000)).toEqual(Array.from({ length: 60000 }, (_, i) => i + 1));
  }, 60_000);
});
