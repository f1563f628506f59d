/**
 * The docker plugin against a real Docker Engine (a private dockerd from Debian's docker.io, started here):
 * labelled running containers are found with their labels' settings, others are not, and the engine's events
 * make the plugin run again at once.
 */
import { type Dockerd, startDockerd, waitUntil } from '@border0/testing';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerPlugin, parseDockerSettings, resourceOfContainer } from './docker-plugin.js';
import { configuredPlugins } from './plugin-config.js';

const IMAGE = 'border0-busybox:test';

describe('docker discovery', () => {
  let dockerd: Dockerd;
  let plugin: DockerPlugin;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    dockerd = await startDockerd();
    await dockerd.importBusybox(IMAGE);
    plugin = new DockerPlugin({ socket: dockerd.socketPath });
  }, 60_000);
  afterAll(async () => {
    await dockerd?.stop();
  });

  /** Starts a container that only sleeps, on the host's network, with these labels. */
  const run = (name: string, labels: Record<string, string>) =>
    dockerd.docker([
      'run',
      '-d',
      '--network',
      'host',
      '--name',
      name,
      ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      IMAGE,
      'sleep',
      '300',
    ]);

  it('finds labelled running containers, with the name, port, protocol and tags their labels give', async () => {
    await run('web', {
      'border0.socket.type': 'http',
      'border0.socket.port': '8080',
      'border0.tag.team': 'lab',
    });
    await run('db', {
      'border0.socket.type': 'database',
      'border0.socket.port': '5432',
      'border0.socket.name': 'Orders DB',
      'border0.database.protocol': 'postgres',
    });
    await run('shell', { 'border0.socket.type': 'ssh' });
    await run('plain', { app: 'not for border0' });
    await run('odd-type', { 'border0.socket.type': 'ftp', 'border0.socket.port': '21' });
    await run('db-without-protocol', { 'border0.socket.type': 'database', 'border0.socket.port': '3306' });
    await run('stopped', { 'border0.socket.type': 'tls', 'border0.socket.port': '6379' });
    await dockerd.docker(['kill', 'stopped']);

    const found = await plugin.discover(signal);
    expect(found.map((r) => r.name)).toEqual(['orders-db', 'shell', 'web']);
    expect(found.find((r) => r.name === 'web')).toEqual({
      name: 'web',
      socketType: 'http',
      upstream: { type: 'http', scheme: 'http', hostname: '127.0.0.1', port: 8080 },
      tags: { team: 'lab', 'border0.discovery.container': 'web', 'border0.discovery.image': IMAGE },
      source: 'docker://web',
    });
    expect(found.find((r) => r.name === 'orders-db')?.upstream).toEqual({
      type: 'database',
      protocol: 'postgres',
      hostname: '127.0.0.1',
      port: 5432,
      authentication_type: 'no_auth',
    });
    // SSH without a port label: port 22, and certificate authentication unless configured otherwise.
    expect(found.find((r) => r.name === 'shell')?.upstream).toEqual({
      type: 'ssh',
      hostname: '127.0.0.1',
      port: 22,
      authentication_type: 'border0_certificate',
      username_provider: 'prompt_client',
    });
    await dockerd.docker([
      'rm',
      '-f',
      'web',
      'db',
      'shell',
      'plain',
      'odd-type',
      'db-without-protocol',
      'stopped',
    ]);
  });

  it('merges configured upstream credentials into what it finds', async () => {
    await run('pg', {
      'border0.socket.type': 'database',
      'border0.socket.port': '5433',
      'border0.database.protocol': 'postgres',
    });
    const withCredentials = new DockerPlugin({
      socket: dockerd.socketPath,
      upstream: {
        postgres: { authentication_type: 'username_and_password', username: 'app', password: 'secret' },
      },
    });
    const [pg] = await withCredentials.discover(signal);
    expect(pg?.upstream).toMatchObject({
      authentication_type: 'username_and_password',
      username: 'app',
      password: 'secret',
    });
    await dockerd.docker(['rm', '-f', 'pg']);
  });

  it('runs again as soon as a labelled container starts or stops', async () => {
    let changes = 0;
    const watch = plugin.watch(() => changes++);
    try {
      // watch() subscribes in the background: it is listening once a labelled container's start reaches it.
      let probes = 0;
      await waitUntil(
        async () => {
          const before = changes;
          await run(`probe-${probes++}`, { 'border0.socket.type': 'tls', 'border0.socket.port': '7001' });
          await new Promise((resolve) => setTimeout(resolve, 300));
          return changes > before;
        },
        10_000,
        'the event stream to report a start',
      );
      const started = changes;
      await run('late', { 'border0.socket.type': 'tls', 'border0.socket.port': '7000' });
      await waitUntil(() => changes > started, 2_000, 'a run after the container started');
      const afterStart = changes;
      await dockerd.docker(['kill', 'late']);
      await waitUntil(() => changes > afterStart, 2_000, 'a run after the container died');
      // An unlabelled container's events are not the plugin's business.
      const quiet = changes;
      await run('unlabelled', {});
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(changes).toBe(quiet);
    } finally {
      watch.close();
    }
  });

  it('reports an engine it cannot reach as an error (so the connector keeps the sockets it has)', async () => {
    const nowhere = new DockerPlugin({ socket: `${dockerd.socketPath}.missing` });
    await expect(nowhere.discover(signal)).rejects.toThrow(/ENOENT/);
  });
});

describe('docker settings and labels', () => {
  it('reads the socket from connector.yaml, and refuses a bad one naming the field', () => {
    const [configured] = configuredPlugins({ docker: { socket: '/run/docker.sock', exclude: ['tmp-*'] } });
    expect(configured?.plugin.name).toBe('docker');
    expect(configured?.settings.exclude).toEqual(['tmp-*']);
    expect(() => parseDockerSettings({ socket: 42 })).toThrow('discovery.docker.socket');
    expect(() => parseDockerSettings({ interval_seconds: 0 })).toThrow('discovery.docker.interval_seconds');
  });

  // A bridge network cannot be made on this machine (no iptables for the tests): the engine's answer for a
  // container on one, in the shape of its ContainerSummary, is written out here.
  const onBridge = (ports: Docker.Port[]): Docker.ContainerInfo =>
    ({
      Id: 'c0ffee',
      Names: ['/api'],
      Image: 'api:1',
      Ports: ports,
      Labels: { 'border0.socket.type': 'http' },
      HostConfig: { NetworkMode: 'bridge' },
      NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.5' } } },
    }) as unknown as Docker.ContainerInfo;

  it('reaches a container through a port it publishes, else at its own address', () => {
    const published = resourceOfContainer(
      onBridge([{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8081, Type: 'tcp' }]),
    );
    expect(published?.upstream).toMatchObject({ hostname: '127.0.0.1', port: 8081 });
    const own = resourceOfContainer(onBridge([{ IP: '', PrivatePort: 3000, PublicPort: 0, Type: 'tcp' }]));
    expect(own?.upstream).toMatchObject({ hostname: '172.17.0.5', port: 3000 });
    // Two exposed ports and no port label: which one is meant is not guessed.
    const two = onBridge([
      { IP: '', PrivatePort: 80, PublicPort: 0, Type: 'tcp' },
      { IP: '', PrivatePort: 443, PublicPort: 0, Type: 'tcp' },
    ]);
    expect(resourceOfContainer(two)).toBeUndefined();
  });
});
