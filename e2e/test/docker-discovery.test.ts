/**
 * Docker discovery end to end, every part its own process (API, proxy, connector) and a real Docker Engine (a
 * private dockerd started here; the image is imported from busybox-static, no registry): `border0 connector
 * discover --dry-run` names a labelled container and creates nothing; once the connector runs, a labelled
 * container that starts becomes a socket within 5 s (the engine's events, not the 60 s resync) that a service
 * account reaches through the proxy; when the container stops, its socket goes; a socket an admin made for the
 * same connector and the same upstream is never touched; after dockerd restarts, the connector follows the
 * engine's events again.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Border0Client } from '@border0/sdk';
import {
  BIN,
  border0,
  type Dockerd,
  eventually,
  freePort,
  type Platform,
  daemon as startDaemon,
  startDockerd,
  tempDir,
} from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiscoveryStack, startDiscoveryStack } from './discovery-stack.js';

const IMAGE = 'border0-busybox:e2e';
const children: ChildProcess[] = [];
let api: Platform;
let admin: Border0Client;
let env: Record<string, string>;
let dockerd: Dockerd;
let appPort: number;
let connectorToken: string;
let throughProxy: DiscoveryStack['throughProxy'];
let configFile: string;
let connectorOutput: (() => string) | undefined;

beforeAll(async () => {
  dockerd = await startDockerd();
  await dockerd.importBusybox(IMAGE, 'hello from a container\n');
  appPort = await freePort();
  // The web app: busybox httpd on the host's network, labelled for border0. Created now, started by the tests.
  await dockerd.docker([
    'create',
    '--network',
    'host',
    '--name',
    'web',
    '--label',
    'border0.socket.type=http',
    '--label',
    `border0.socket.port=${appPort}`,
    '--label',
    'border0.socket.name=shop',
    '--label',
    'border0.tag.team=lab',
    IMAGE,
    'httpd',
    '-f',
    '-p',
    `127.0.0.1:${appPort}`,
    '-h',
    '/www',
  ]);

  ({ api, admin, env, connectorToken, throughProxy } = await startDiscoveryStack(
    'docker-discovery',
    children,
    appPort,
  ));
  configFile = join(tempDir('docker-discovery-yaml'), 'connector.yaml');
  writeFileSync(
    configFile,
    ['discovery:', '  docker:', `    socket: ${dockerd.socketPath}`, '    interval_seconds: 60', ''].join(
      '\n',
    ),
  );
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await api?.stop();
  await dockerd?.stop();
});

const socketOrNull = (name: string) =>
  admin.get('/api/v1/sockets/{socket}', { params: { path: { socket: name } } }).catch(() => null);

/** The connector, started once (by whichever test runs first, so that each also runs alone). */
async function startConnector(): Promise<void> {
  if (connectorOutput) return;
  ({ output: connectorOutput } = await startDaemon(
    children,
    process.execPath,
    [BIN, 'connector', 'start', '--token', connectorToken, '--config', configFile],
    env,
    /connector lab serves/,
  ));
}

describe('docker discovery through the connector', () => {
  it('prints what a dry run would create for a running labelled container, and creates nothing', async () => {
    await dockerd.docker(['start', 'web']);
    try {
      const dry = await border0(
        ['connector', 'discover', '--config', configFile, '--dry-run', '--token', connectorToken],
        env,
      );
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout.trim()).toBe('would create shop (docker: http, docker://web)');
      expect(await socketOrNull('shop')).toBeNull();
    } finally {
      await dockerd.docker(['stop', '--time', '1', 'web']);
    }
  });

  it('makes a socket of a container within 5 s of its start, reachable through the proxy, and removes it when it stops', async () => {
    const handmade = await socketOrNull('handmade');
    await startConnector();
    // The connector's first run (nothing labelled is running) is done before the container starts.
    await eventually(
      () => border0(['connector', 'ls', '--output', 'json'], env),
      (r) => /"last_run_at": "/.test(r.stdout),
      20_000,
    );
    const started = Date.now();
    await dockerd.docker(['start', 'web']);
    const socket = await eventually(
      () => socketOrNull('shop'),
      (s) => s !== null,
      5_000,
      { intervalMs: 100 },
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(socket).toMatchObject({
      socket_type: 'http',
      tags: {
        'border0.discovery': 'docker',
        'border0.discovery.container': 'web',
        'border0.discovery.image': IMAGE,
        team: 'lab',
      },
      upstream_configuration: { type: 'http', scheme: 'http', hostname: '127.0.0.1', port: appPort },
    });
    const answer = await eventually(
      () => throughProxy('shop'),
      (r) => r.status === 200,
      15_000,
    );
    expect(answer.body).toBe('hello from a container\n');

    const stopped = Date.now();
    await dockerd.docker(['stop', '--time', '1', 'web']);
    await eventually(
      () => socketOrNull('shop'),
      (s) => s === null,
      5_000,
      { intervalMs: 100 },
    );
    expect(Date.now() - stopped).toBeLessThan(5_000);
    // The admin's socket, served by the same connector and pointing at the same container, is as it was.
    expect(await socketOrNull('handmade')).toEqual(handmade);
  });

  it('follows the engine again after dockerd restarts: a container started afterwards becomes a socket within 5 s', async () => {
    await startConnector();
    await eventually(
      () => border0(['connector', 'ls', '--output', 'json'], env),
      (r) => /"last_run_at": "/.test(r.stdout),
      20_000,
    );
    // The connector's event stream ends with the engine; it reconnects once the engine answers again (and runs
    // once for what it missed). Waiting past that run, the socket below can only come from the new stream.
    await dockerd.restart();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const started = Date.now();
    await dockerd.docker(['start', 'web']);
    await eventually(
      () => socketOrNull('shop'),
      (s) => s !== null,
      5_000,
      { intervalMs: 100 },
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    const stopped = Date.now();
    await dockerd.docker(['stop', '--time', '1', 'web']);
    await eventually(
      () => socketOrNull('shop'),
      (s) => s === null,
      5_000,
      { intervalMs: 100 },
    );
    expect(Date.now() - stopped).toBeLessThan(5_000);
  });

  it('re-reads its discovery settings when connector.yaml changes, keeping the running plugins when the new ones are bad', async () => {
    await startConnector();
    await dockerd.docker(['start', 'web']);
    await eventually(
      () => socketOrNull('shop'),
      (s) => s !== null,
      5_000,
      { intervalMs: 100 },
    );
    const settings = (extra: string[]) =>
      writeFileSync(configFile, ['discovery:', '  docker:', ...extra, ''].join('\n'));
    settings([`    socket: ${dockerd.socketPath}`, '    interval_seconds: [60]']);
    await eventually(
      () => connectorOutput?.() ?? '',
      (out) => out.includes('discovery.docker.interval_seconds: expected a positive number'),
      5_000,
    );
    expect(await socketOrNull('shop')).not.toBeNull();

    settings([`    socket: ${dockerd.socketPath}`, '    interval_seconds: 60', '    exclude: [shop]']);
    await eventually(
      () => socketOrNull('shop'),
      (s) => s === null,
      5_000,
      { intervalMs: 100 },
    );
    expect(connectorOutput?.()).toContain(`discovery: docker (from ${configFile})`);
    await dockerd.docker(['stop', '--time', '1', 'web']);
  });
});
