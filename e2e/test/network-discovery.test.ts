/**
 * Network discovery end to end, every part its own process (API, proxy, connector): `border0 connector
 * discover --dry-run` says what it would create and creates nothing; the running connector finds a web app
 * on a loopback port within seconds and makes it a socket that a service account reaches through the proxy;
 * when the app stops, the next run removes the socket; a socket an admin made for the same connector is never
 * touched; `border0 connector ls` shows the plugin's last run.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Border0Client, createClient } from '@border0/sdk';
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const children: ChildProcess[] = [];
let api: Platform;
let admin: Border0Client;
let env: Record<string, string>;
let app: Server;
let appPort: number;
let httpPort: number;
let connectorToken: string;
let serviceToken: string;
let configFile: string;
let discovered: string;

/** GET / of a socket through the proxy's loopback HTTP listener, with the service account's token. */
function throughProxy(socket: string): Promise<{ status: number; body: string }> {
  // node:http, since fetch drops a Host header it is given.
  return new Promise((resolve) => {
    const request = httpGet(
      {
        host: '127.0.0.1',
        port: httpPort,
        path: '/',
        headers: { host: `${socket}-local.localhost:${httpPort}`, authorization: `Bearer ${serviceToken}` },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.once('error', () => resolve({ status: 0, body: '' }));
  });
}

beforeAll(async () => {
  const dataDir = tempDir('discovery');
  env = { BORDER0_CONFIG_DIR: tempDir('discovery-config') };
  api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], env);
  env.BORDER0_API_URL = api.url;
  admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
  });

  app = createServer((_req, res) => res.end('hello from the lab'));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appPort = (app.address() as AddressInfo).port;
  discovered = `http-127-0-0-1-${appPort}`;

  httpPort = await freePort();
  const proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  const proxyPort = await freePort();
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
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  connectorToken = (
    await admin.post('/api/v1/connectors/{connector}/tokens', {
      params: { path: { connector: connector.id } },
      body: { name: 'lab' },
    })
  ).token as string;
  // Made by an admin, served by the same connector, pointing at the same app: discovery must leave it be.
  await admin.post('/api/v1/sockets', {
    body: {
      name: 'handmade',
      socket_type: 'http',
      connector_ids: [connector.id],
      upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: appPort },
    },
  });
  expect((await border0(['service-account', 'create', 'batch', '--role', 'client'], env)).code).toBe(0);
  serviceToken = JSON.parse(
    (await border0(['service-account', 'token', 'create', 'batch', '--output', 'json'], env)).stdout,
  ).token as string;
  await admin.post('/api/v1/policies', {
    body: {
      name: 'web-for-batch',
      org_wide: true,
      document: { permissions: { http: {} }, condition: { who: { service_account: ['batch'] } } },
    },
  });
  configFile = join(tempDir('discovery-yaml'), 'connector.yaml');
  const closed = await freePort();
  writeFileSync(
    configFile,
    [
      'discovery:',
      '  network:',
      '    interval_seconds: 1',
      '    timeout_ms: 500',
      `    targets: [{ target: 127.0.0.1/32, ports: [${appPort}, ${closed}] }]`,
      '    exclude: ["tcp-*"]',
      '    tags: { team: lab }',
      '',
    ].join('\n'),
  );
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await api?.stop();
  app?.closeAllConnections();
  app?.close();
});

const socketOrNull = (name: string) =>
  admin.get('/api/v1/sockets/{socket}', { params: { path: { socket: name } } }).catch(() => null);

describe('network discovery through the connector', () => {
  it('prints what a dry run would create, and creates nothing', async () => {
    const dry = await border0(
      ['connector', 'discover', '--config', configFile, '--dry-run', '--token', connectorToken],
      env,
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.trim()).toBe(`would create ${discovered} (network: http, tcp://127.0.0.1:${appPort})`);
    expect(await socketOrNull(discovered)).toBeNull();
  });

  it('makes a socket of the app within seconds, reachable through the proxy, and removes it when the app stops', async () => {
    const handmade = await socketOrNull('handmade');
    const started = Date.now();
    await startDaemon(
      children,
      process.execPath,
      [BIN, 'connector', 'start', '--token', connectorToken, '--config', configFile],
      env,
      /connector lab serves/,
    );
    const socket = await eventually(
      () => socketOrNull(discovered),
      (s) => s !== null,
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(socket).toMatchObject({
      socket_type: 'http',
      tags: { 'border0.discovery': 'network', 'border0.discovery.service': 'http', team: 'lab' },
      upstream_configuration: { type: 'http', scheme: 'http', hostname: '127.0.0.1', port: appPort },
    });
    const answer = await eventually(
      () => throughProxy(discovered),
      (r) => r.status === 200,
      15_000,
    );
    expect(answer.body).toBe('hello from the lab');

    const listed = await eventually(
      () => border0(['connector', 'ls', '--output', 'json'], env),
      (r) => /"resources": 1/.test(r.stdout),
      20_000,
    );
    const lab = JSON.parse(listed.stdout).find((c: { name: string }) => c.name === 'lab');
    expect(lab.discovery).toEqual([
      { plugin: 'network', last_run_at: expect.any(String), error: null, resources: 1 },
    ]);

    app.closeAllConnections();
    await new Promise<void>((resolve) => app.close(() => resolve()));
    await eventually(
      () => socketOrNull(discovered),
      (s) => s === null,
      10_000,
    );
    // The admin's socket, served by the same connector and pointing at the same app, is as it was.
    expect(await socketOrNull('handmade')).toEqual(handmade);
  });
});
