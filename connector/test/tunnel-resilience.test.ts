/**
 * Tunnels that heal: proxy restarts, several proxies, silent peers (SSH keepalives), and bad input at the
 * proxy's tunnel acceptor.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { startTcpRelay, waitUntil } from '@border0/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TunnelClient, TunnelPool } from '../src/index.js';
import { exchange, sha256 } from './support/clients.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';
import { createWorld, ECHO, PAYLOAD, TOKEN, type World } from './support/world.js';

let world: World;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  world = await createWorld();
});

afterEach(async () => {
  // Last opened, first closed: tunnels before the proxies they point at.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await world?.close();
});

async function proxy(options: Partial<Parameters<typeof startTestProxy>[0]> = {}): Promise<TestProxy> {
  const started = await startTestProxy({ pki: world.pki, grants: world.grants, ...options });
  cleanups.push(() => started.close());
  return started;
}

function tunnelTo(port: number, options: Partial<ConstructorParameters<typeof TunnelClient>[0]> = {}) {
  const tunnel = new TunnelClient({
    proxy: { host: '127.0.0.1', port, servername: world.pki.servername },
    token: TOKEN,
    ca: world.pki.caPem,
    sockets: [ECHO],
    resolveUpstream: world.resolveUpstream,
    ...options,
  }).start();
  cleanups.push(() => tunnel.close());
  return tunnel;
}

async function echoes(through: TestProxy, text: string): Promise<boolean> {
  const data = Buffer.from(text);
  return (await exchange(await through.clientPort(ECHO), data)).sha256 === sha256(data);
}

describe('proxy restart', () => {
  it('heals within 5 s when the proxy is replaced on the same port, and traffic flows again', async () => {
    const first = await startTestProxy({ pki: world.pki, grants: world.grants });
    const tunnel = tunnelTo(first.port);
    await waitUntil(() => tunnel.status.state === 'connected', 10_000, 'the first tunnel');
    expect(await echoes(first, 'before')).toBe(true);

    await first.close();
    await waitUntil(() => tunnel.status.state !== 'connected', 5_000, 'the connector to notice');
    const second = await proxy({ port: first.port });
    const healedIn = await waitUntil(() => tunnel.status.state === 'connected', 5_000, 'the tunnel back');
    expect(healedIn).toBeLessThan(5_000);
    expect(second.up.map((t) => t.connectorId)).toEqual(['connector-1']);
    expect(await echoes(second, 'after')).toBe(true);
  });
});

describe('silent peers', () => {
  it('notices a frozen link on both ends through SSH keepalives, and reconnects', async () => {
    const target = await proxy({ tunnelOptions: { keepaliveIntervalMs: 200, keepaliveCountMax: 2 } });
    const relay = await startTcpRelay({ port: target.port });
    cleanups.push(() => relay.close());
    const tunnel = tunnelTo(relay.port, { keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
    await waitUntil(() => tunnel.status.state === 'connected', 10_000, 'the tunnel');
    relay.freeze();
    await waitUntil(() => target.down.length === 1, 5_000, 'the proxy to drop the silent tunnel');
    await waitUntil(() => tunnel.status.failures >= 1, 5_000, 'the connector to drop the silent tunnel');
    await waitUntil(() => tunnel.status.state === 'connected', 5_000, 'a fresh tunnel');
    expect(await echoes(target, 'fresh')).toBe(true);
  });
});

describe('several proxies', () => {
  it('holds a tunnel to each proxy in the pool, and a client through either reaches the upstream', async () => {
    const [a, b] = [await proxy(), await proxy()];
    const pool = new TunnelPool({
      token: TOKEN,
      ca: world.pki.caPem,
      sockets: [ECHO],
      resolveUpstream: world.resolveUpstream,
      proxies: [a, b].map((p) => ({ host: '127.0.0.1', port: p.port, servername: world.pki.servername })),
    });
    cleanups.push(() => pool.close());
    await waitUntil(() => pool.connectedCount() === 2, 10_000, 'tunnels to both proxies');
    expect(await echoes(a, 'via a')).toBe(true);
    expect(await echoes(b, 'via b')).toBe(true);

    pool.setSockets([ECHO, PAYLOAD]);
    await waitUntil(() => a.tunnels.serves(PAYLOAD) && b.tunnels.serves(PAYLOAD), 5_000, 'the new socket');

    pool.setProxies([{ host: '127.0.0.1', port: a.port, servername: world.pki.servername }]);
    await waitUntil(() => b.down.length === 1, 5_000, 'the tunnel to the removed proxy to close');
    expect(pool.status().map((s) => s.proxy)).toEqual([`127.0.0.1:${a.port}`]);
    expect(b.tunnels.serves(ECHO)).toBe(false);
    expect(await echoes(a, 'still via a')).toBe(true);
  });
});

describe('bad input at the tunnel acceptor', () => {
  function tunnelStream(port: number): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        servername: world.pki.servername,
        ca: world.pki.caPem,
        ALPNProtocols: ['border0-tunnel'],
      });
      socket.once('secureConnect', () => resolve(socket));
      socket.once('error', reject);
    });
  }

  // Reads (and drops) what the proxy sends, so that its hang-up is seen as 'end' then 'close'.
  const closed = (socket: net.Socket) => {
    socket.on('error', () => {});
    socket.resume();
    return new Promise<void>((resolve) => socket.once('close', () => resolve()));
  };

  it('survives random bytes, non-TLS garbage and a truncated SSH handshake, and keeps serving', async () => {
    const target = await proxy({ tunnelOptions: { handshakeTimeoutMs: 500 } });
    const tunnel = tunnelTo(target.port);
    await waitUntil(() => tunnel.status.state === 'connected', 10_000, 'the tunnel');

    const garbage = await tunnelStream(target.port);
    const garbageClosed = closed(garbage);
    garbage.write(randomBytes(256 * 1024));
    await garbageClosed;

    const truncated = await tunnelStream(target.port);
    const truncatedClosed = closed(truncated);
    truncated.write('SSH-2.0-OpenSSH_9.6\r\n');
    truncated.write(randomBytes(12));
    await truncatedClosed;

    const raw = net.connect({ host: '127.0.0.1', port: target.port });
    const rawClosed = closed(raw);
    raw.write(randomBytes(4096));
    await rawClosed;

    expect(target.up.map((t) => t.connectorId)).toEqual(['connector-1']);
    expect(tunnel.status.state).toBe('connected');
    expect(await echoes(target, 'unharmed')).toBe(true);
  });
});
