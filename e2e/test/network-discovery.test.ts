/**
 * Network discovery end to end, every part its own process (API, proxy, connector): `border0 connector
 * discover --dry-run` says what it would create and creates nothing; the running connector finds a web app
 * on a loopback port within seconds and makes it a socket that a service account reaches through the proxy;
 * when the app stops, the next run removes the socket; a socket an admin made for the same connector is never
 * touched; `border0 connector ls` shows the plugin's last run.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Border0Client } from '@border0/sdk';
import {
  BIN,
  border0,
  eventually,
  freePort,
  type Platform,
  daemon as startDaemon,
  tempDir,
} from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiscoveryStack, startDiscoveryStack } from './discovery-stack.js';

const children: ChildProcess[] = [];
let api: Platform;
let admin: Border0Client;
let env: Record<string, string>;
let app: Server;
let appPort: number;
let connectorToken: string;
let throughProxy: DiscoveryStack['throughProxy'];
let configFile: string;
let discovered: string;

beforeAll(async () => {
  app = createServer((_req, res) => res.end('hello from the lab'));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appPort = (app.address() as AddressInfo).port;
  discovered = `http-127-0-0-1-${appPort}`;

  ({ api, admin, env, connectorToken, throughProxy } = await startDiscoveryStack(
    'discovery',
    children,
    appPort,
  ));
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
