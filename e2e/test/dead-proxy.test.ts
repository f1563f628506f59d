/**
 * Sessions always end, end to end, every part its own process: API (`border0 start`, proxies heartbeating
 * every second, so a session lapses after 3.5 s), a proxy (`border0 proxy start`) that reaches the API
 * through a link the test can cut, a connector, a real sshd (recorded shells, through the ssh2 library) and
 * redis-server (`border0 client tls`). A proxy killed with -9, a proxy restarted with the same token and name,
 * and a live proxy that lost a session's end report: the control plane ends those sessions, with a reason,
 * within the lease, and closes their recordings, so that `border0 session replay --follow` stops.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  BIN,
  clientListener,
  eventually,
  freePort,
  type Platform,
  SSHD_TEST_USER,
  type Sshd,
  daemon as startDaemon,
  startPlatform,
  startSshd,
  startTcpRelay,
  type TcpRelay,
  tempDir,
} from '@border0/testing';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilPong } from './redis.js';

const HEARTBEAT_SECONDS = 1;
/** 3.5 heartbeats, then the next sweep (every half heartbeat), with room for a loaded machine. */
const BOUND_MS = 10_000;

const children: ChildProcess[] = [];
const daemon = (command: string, args: string[], env: Record<string, string>, ready: RegExp) =>
  startDaemon(children, command, args, env, ready);

let api: Platform;
let sshd: Sshd;
let link: TcpRelay;
let env: Record<string, string>;
let admin: ReturnType<typeof createClient>;
let proxyArgs: string[];
let proxy: { child: ChildProcess; output: () => string };
let sshLocal: number;
let cacheLocal: number;

const startProxy = async () => {
  proxy = await daemon(
    process.execPath,
    proxyArgs,
    { ...env, BORDER0_API_URL: link.url },
    /proxy p1 listening/,
  );
};

const session = (id: string) =>
  admin.get('/api/v1/sessions/{session_id}', { params: { path: { session_id: id } } });
const liveSessions = async (socket: string) =>
  (await admin.get('/api/v1/sessions', { params: { query: { socket, live: 'true' } } })).items;

/** Every session of the socket so far. */
const sessionIds = async (socket: string) =>
  new Set(
    (await admin.get('/api/v1/sessions', { params: { query: { socket, limit: 200 } } })).items.map(
      (s) => s.id,
    ),
  );

/** A session that `before` did not list, once the proxy has reported it live. */
async function newLiveSession(socket: string, before: Set<string>): Promise<string> {
  const found = await eventually(
    () => liveSessions(socket),
    (items) => items.some((s) => !before.has(s.id)),
    10_000,
  );
  return found.find((s) => !before.has(s.id))!.id;
}

/** A redis connection through the listener, answered once (so its session is live). */
async function redisConnection(): Promise<Socket> {
  const socket = new Socket();
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.connect(cacheLocal, '127.0.0.1', resolve));
  socket.write('PING\r\n');
  await new Promise((resolve) => socket.once('data', resolve));
  return socket;
}

/** A recorded shell through the listener (the ssh2 library) that has answered, retried while tunnels come back. */
async function openShell(): Promise<{ write(text: string): void; output: () => string; end(): void }> {
  return eventually(
    () =>
      new Promise<{ write(text: string): void; output: () => string; end(): void }>((resolve, reject) => {
        const client = new ssh2.Client();
        const fail = (error: Error) => {
          client.end();
          reject(error);
        };
        client.once('error', fail);
        client.once('ready', () =>
          client.shell({ term: 'xterm', rows: 24, cols: 80 }, (error, channel) => {
            if (error) return fail(error);
            let output = '';
            let stderr = '';
            channel.stderr.on('data', (chunk: Buffer) => {
              stderr += chunk;
            });
            channel.once('close', () => fail(new Error(`the shell closed: ${stderr}`)));
            channel.on('data', (chunk: Buffer) => {
              output += chunk;
              if (output.includes('shell-is-42')) {
                resolve({
                  write: (text) => channel.write(text),
                  output: () => output,
                  end: () => client.end(),
                });
              }
            });
            channel.write('echo shell-is-$((40+2))\n');
          }),
        );
        client.connect({ host: '127.0.0.1', port: sshLocal, username: 'anyone', hostVerifier: () => true });
      }),
    () => true,
    30_000,
  );
}

beforeAll(async () => {
  const dataDir = tempDir('dead-proxy');
  env = { BORDER0_CONFIG_DIR: tempDir('dead-proxy-config') };
  api = await startPlatform(
    ['--data-dir', dataDir, '--no-proxy'],
    {
      ...env,
      BORDER0_PROXY_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
    },
    90_000,
  );
  env.BORDER0_API_URL = api.url;
  admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
  });
  sshd = await startSshd({ passwordAuthentication: true });
  const redisPort = await freePort();
  await daemon(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    /Ready to accept connections/,
  );
  link = await startTcpRelay(new URL(api.url));
  const proxyPort = await freePort();
  const proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  proxyArgs = [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'p1'];
  await startProxy();

  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const { token } = await admin.post('/api/v1/connectors/{connector}/tokens', {
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
  await admin.post('/api/v1/sockets', {
    body: {
      name: 'cache',
      socket_type: 'tls',
      connector_ids: [connector.id],
      upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: redisPort },
    },
  });
  await admin.post('/api/v1/policies', {
    body: {
      name: 'admin-everywhere',
      org_wide: true,
      document: {
        permissions: { ssh: { shell: {} }, tls: {} },
        condition: { who: { email: ['admin@localhost'] } },
      },
    },
  });
  await daemon(process.execPath, [BIN, 'connector', 'start', '--token', token], env, /connector lab serves/);
  sshLocal = await clientListener(children, env, 'box', proxyPort);
  cacheLocal = await clientListener(children, env, 'cache', proxyPort);
  expect(await untilPong(cacheLocal, 15_000)).toBe('PONG');
}, 180_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await link?.close();
  await sshd?.stop();
  await api?.stop();
});

describe('the sessions of a proxy that stopped reporting', () => {
  it('end within the lease after the proxy is killed with -9, recordings closed, a follower stops', async () => {
    const known = await sessionIds('box');
    await openShell();
    const id = await newLiveSession('box', known);
    const recordings = await eventually(
      () => admin.get('/api/v1/sessions/{session_id}/recordings', { params: { path: { session_id: id } } }),
      (page) => page.items.length === 1,
      10_000,
    );
    const follower = spawn(process.execPath, [BIN, 'session', 'replay', id, '--follow'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(follower);
    const followerExit = new Promise<{ code: number | null; at: number }>((resolve) =>
      follower.once('exit', (code) => resolve({ code, at: Date.now() })),
    );
    let followed = '';
    follower.stdout!.on('data', (chunk) => {
      followed += chunk;
    });
    await eventually(
      async () => followed,
      (text) => text.includes('shell-is-42'),
      15_000,
    );

    const killedAt = Date.now();
    proxy.child.kill('SIGKILL');
    const ended = await eventually(
      () => session(id),
      (s) => !s.live,
      BOUND_MS + 5000,
    );
    const endedAfter = Date.now() - killedAt;
    expect(ended).toMatchObject({
      result: 'failed',
      reason: expect.stringMatching(
        /^ended by the control plane: the proxy carrying it stopped reporting it/,
      ),
    });
    expect(endedAfter).toBeLessThan(BOUND_MS);
    const recording = await admin.get('/api/v1/sessions/{session_id}/recordings', {
      params: { path: { session_id: id } },
    });
    expect(recording.items[0]).toMatchObject({ id: recordings.items[0]!.id, ended_at: expect.any(String) });
    const exit = await followerExit;
    expect(exit.code).toBe(0);
    console.log(
      `proxy killed: session ended after ${endedAfter} ms, follower stopped after ${exit.at - killedAt} ms`,
    );
  }, 60_000);

  it('of the process before a restart with the same token and name end; the new process keeps its own', async () => {
    await startProxy();
    const known = await sessionIds('box');
    const before = await openShell();
    const old = await newLiveSession('box', known);
    proxy.child.kill('SIGKILL');
    const killedAt = Date.now();
    await startProxy();
    const fresh = await openShell();
    const current = await newLiveSession('box', known.add(old));

    const ended = await eventually(
      () => session(old),
      (s) => !s.live,
      BOUND_MS + 5000,
    );
    console.log(`proxy restarted: the old process's session ended after ${Date.now() - killedAt} ms`);
    expect(ended.reason).toMatch(/stopped reporting it/);
    before.end();
    // Three more leases: the new process re-asserts its session every heartbeat (its progress reports,
    // every 5 s, would not keep a 3.5 s lease alone).
    await new Promise((resolve) => setTimeout(resolve, 3 * 3500));
    expect((await session(current)).live).toBe(true);
    fresh.write('echo still-$((6*7))\n');
    await eventually(
      async () => fresh.output(),
      (text) => text.includes('still-42'),
      10_000,
    );
    fresh.end();
  }, 90_000);

  it('that a live proxy lost the end report of ends within the lease; its other sessions stay', async () => {
    const known = await sessionIds('cache');
    const kept = await redisConnection();
    const keptId = await newLiveSession('cache', known);
    const lost = await redisConnection();
    const lostId = await newLiveSession('cache', known.add(keptId));
    const failedReports = () => (proxy.output().match(/session report failed/g) ?? []).length;
    const failedBefore = failedReports();

    link.cut();
    // The client leaves while the proxy cannot reach the API: its end report fails, and is not retried.
    lost.destroy();
    await eventually(
      async () => failedReports(),
      (count) => count > failedBefore,
      10_000,
    );
    link.restore();
    const restoredAt = Date.now();

    const ended = await eventually(
      () => session(lostId),
      (s) => !s.live,
      BOUND_MS + 5000,
    );
    console.log(`lost end report: the session ended ${Date.now() - restoredAt} ms after the link came back`);
    expect(ended).toMatchObject({ result: 'failed', reason: expect.stringMatching(/stopped reporting it/) });
    expect((await session(keptId)).live).toBe(true);
    kept.destroy();
  }, 60_000);
});
