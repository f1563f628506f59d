/**
 * `border0 desktop` end to end, under a real X display (Xvfb): the command opens Debian's Chromium as an app
 * window on its loopback page, the page lists the sockets the API lets the person use, and one click on a
 * TLS socket makes a local listener that a plain TCP client uses to reach the upstream (an echo server)
 * through the proxy and the connector. The test drives that very window over Chromium's DevTools port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  BIN,
  eventually,
  freePort,
  type Platform,
  daemon as startDaemon,
  startPlatform,
  tempDir,
} from '@border0/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, SHOTS } from './browser.js';

const XVFB = '/usr/bin/Xvfb';
const children: ChildProcess[] = [];
let api: Platform;
let echo: Server;
let browser: Browser | undefined;
let desktopOutput = '';
let devtoolsPort: number;
let work: string;

beforeAll(async () => {
  // Never skipped: without Xvfb or Chromium the suite fails, and says how to get them.
  for (const program of [XVFB, CHROMIUM]) {
    if (!existsSync(program)) throw new Error(`${program} is missing: run scripts/ensure-packages.sh`);
  }
  work = tempDir('desktop');
  const env = { BORDER0_CONFIG_DIR: join(work, 'config') };
  api = await startPlatform(['--data-dir', join(work, 'data'), '--no-proxy'], env, 90_000);
  const read = (name: string) => readFileSync(join(work, 'data', name), 'utf8').trim();
  const admin = createClient({ baseUrl: api.url, token: read('admin-token') });
  echo = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const proxyPort = await freePort();
  await startDaemon(
    children,
    process.execPath,
    [BIN, 'proxy', 'start', '--token', read('proxy-token'), '--port', String(proxyPort), '--name', 'p1'],
    env,
    /proxy p1 listening/,
  );
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const token = await admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: connector.id } },
    body: { name: 'lab' },
  });
  await admin.post('/api/v1/sockets', {
    body: {
      name: 'echo',
      socket_type: 'tls',
      connector_ids: [connector.id],
      upstream_configuration: {
        type: 'tls',
        hostname: '127.0.0.1',
        port: (echo.address() as { port: number }).port,
      },
    },
  });
  await admin.post('/api/v1/policies', {
    body: {
      name: 'owner-echo',
      sockets: ['echo'],
      document: { permissions: { tls: {} }, condition: { who: { email: ['admin@localhost'] } } },
    },
  });
  await startDaemon(
    children,
    process.execPath,
    [BIN, 'connector', 'start', '--token', token.token],
    env,
    /connector lab serves/,
  );

  const display = `:${90 + (process.pid % 100)}`;
  const xvfb = spawn(XVFB, [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  children.push(xvfb);
  await eventually(() => existsSync(`/tmp/.X11-unix/X${display.slice(1)}`), Boolean, 10_000);
  devtoolsPort = await freePort();
  const desktop = spawn(process.execPath, [BIN, 'desktop'], {
    env: {
      ...process.env,
      ...env,
      DISPLAY: display,
      BORDER0_API_URL: api.url,
      BORDER0_TOKEN: read('admin-token'),
      // The window's Chromium, made drivable: the test attaches to it over its DevTools port.
      BORDER0_DESKTOP_BROWSER_ARGS: [
        `--remote-debugging-port=${devtoolsPort}`,
        `--user-data-dir=${join(work, 'chromium')}`,
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ].join(' '),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(desktop);
  desktop.stdout.on('data', (chunk) => {
    desktopOutput += chunk;
  });
  desktop.stderr.on('data', (chunk) => {
    desktopOutput += chunk;
  });
  await eventually(
    () => desktopOutput,
    (out) => /border0 desktop: http:\/\/127\.0\.0\.1:\d+\//.test(out),
    30_000,
  );
}, 180_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  for (const child of children.reverse()) child.kill('SIGTERM');
  echo?.close();
  await api?.stop();
});

describe('border0 desktop', () => {
  it('opens an app window under Xvfb, and one click on a TLS socket makes a listener a real client uses', async () => {
    const origin = desktopOutput.match(/border0 desktop: (http:\/\/127\.0\.0\.1:\d+)\//)![1]!;
    // The window the command opened: Chromium under Xvfb, reached over its DevTools port.
    browser = await eventually(
      () => chromium.connectOverCDP(`http://127.0.0.1:${devtoolsPort}`),
      Boolean,
      30_000,
    );
    const page = (await eventually(
      async () =>
        browser!
          .contexts()
          .flatMap((c) => c.pages())
          .find((p) => p.url().startsWith(origin)),
      (found) => found !== undefined,
      30_000,
    )) as Page;
    await page.getByRole('heading', { name: 'My sockets' }).waitFor();
    await page.getByRole('button', { name: 'Connect echo' }).click();
    const address = await page.locator('.address').textContent({ timeout: 30_000 });
    const [, host, port] = address!.match(/Listening on (127\.0\.0\.1):(\d+)/)!;
    await page.getByText(`nc ${host} ${port}`).waitFor();
    await page.screenshot({ path: join(SHOTS, 'desktop.png') });

    // A real client of the listener: bytes go through the proxy and the connector to the echo server.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), host!, () => socket.write('hello through border0\n'));
      let got = '';
      socket.on('data', (chunk) => {
        got += chunk;
        if (got.includes('\n')) {
          socket.end();
          resolve(got);
        }
      });
      socket.on('error', reject);
      setTimeout(() => reject(new Error(`no echo: ${got}`)), 20_000).unref();
    });
    expect(answer).toBe('hello through border0\n');
  }, 120_000);

  it('serves its page only to this window: no key, no page; a foreign Host, nothing', async () => {
    const origin = desktopOutput.match(/border0 desktop: (http:\/\/127\.0\.0\.1:\d+)\//)![1]!;
    expect((await fetch(`${origin}/`)).status).toBe(403);
    expect((await fetch(`${origin}/?key=wrong`)).status).toBe(403);
    // A name rebound to 127.0.0.1 (fetch would not send this Host): node:http does.
    const rebinding = await new Promise<number | undefined>((resolve, reject) => {
      const url = new URL(origin);
      get(
        { host: url.hostname, port: url.port, path: '/api/sockets', headers: { host: 'evil.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      ).on('error', reject);
    });
    expect(rebinding).toBe(421);
  });
});
