/**
 * Data connections: client bytes in TLS alone between connector and proxy (no SSH inside), kept warm, with
 * the tunnel's SSH channels as the fallback, and cut with the tunnel when the connector's token is.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { waitUntil } from '@border0/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TunnelClient } from '../src/index.js';
import { exchange, sha256 } from './support/clients.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';
import { createWorld, ECHO, PAYLOAD, TOKEN, type World } from './support/world.js';

let world: World;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  world = await createWorld();
  return () => world.close();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connect(dataConnections?: number): Promise<{ proxy: TestProxy; tunnel: TunnelClient }> {
  const proxy = await startTestProxy({ pki: world.pki, grants: world.grants });
  cleanups.push(() => proxy.close());
  const tunnel = new TunnelClient({
    proxy: { host: '127.0.0.1', port: proxy.port, servername: world.pki.servername },
    token: TOKEN,
    ca: world.pki.caPem,
    sockets: [ECHO, PAYLOAD],
    resolveUpstream: world.resolveUpstream,
    ...(dataConnections !== undefined && { dataConnections }),
  }).start();
  cleanups.push(() => tunnel.close());
  await waitUntil(() => tunnel.status.state === 'connected', 10_000, 'the tunnel to connect');
  return { proxy, tunnel };
}

describe('data connections', () => {
  it('carry client connections once offered, and are replaced as they are taken', async () => {
    const { proxy } = await connect(2);
    await waitUntil(() => proxy.tunnels.idleDataConnections() === 2, 5_000, 'two idle data connections');
    const port = await proxy.clientPort(ECHO);
    const payloads = Array.from({ length: 8 }, () => randomBytes(256 * 1024));
    const results = await Promise.all(payloads.map((p) => exchange(port, p)));
    expect(results.map((r) => r.sha256)).toEqual(payloads.map(sha256));
    // A burst larger than the idle ones waits for the connector's new ones instead of falling back.
    expect(proxy.carriedBy).toEqual(Array(8).fill('data'));
    await waitUntil(() => proxy.tunnels.idleDataConnections() === 2, 5_000, 'the idle ones replaced');
    const download = await exchange(await proxy.clientPort(PAYLOAD));
    expect(download.sha256).toBe(world.payload.sha256);
  });

  it('fall back to the tunnel’s SSH channels for a connector that offers none', async () => {
    const { proxy } = await connect(0);
    const payload = randomBytes(1024 * 1024);
    expect((await exchange(await proxy.clientPort(ECHO), payload)).sha256).toBe(sha256(payload));
    expect(proxy.carriedBy).toEqual(['ssh']);
    expect(proxy.tunnels.idleDataConnections()).toBe(0);
  });

  it('end with the connector’s tunnel, those carrying a client included', async () => {
    const { proxy } = await connect(2);
    await waitUntil(() => proxy.tunnels.idleDataConnections() === 2, 5_000, 'two idle data connections');
    const client = net.connect(await proxy.clientPort(ECHO), '127.0.0.1');
    client.write('hello');
    await new Promise((resolve) => client.once('data', resolve));
    expect(proxy.carriedBy).toEqual(['data']);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('error', () => {});
    // Revoking the connector's token cuts its tunnels: what they carried ends at once.
    expect(proxy.tunnels.disconnectConnector('connector-1', 'token revoked')).toBe(1);
    await closed;
    expect(proxy.tunnels.idleDataConnections()).toBe(0);
  });

  it('are refused without a tunnel of the same token', async () => {
    const { proxy } = await connect(0);
    const { DATA_ALPN } = await import('@border0/protocol');
    const tls = await import('node:tls');
    for (const token of ['not-a-token', TOKEN.slice(0, -1)]) {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: proxy.port,
        servername: world.pki.servername,
        ca: world.pki.caPem,
        ALPNProtocols: [DATA_ALPN],
      });
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('secureConnect', resolve));
      socket.write(`${JSON.stringify({ token })}\n`);
      await new Promise((resolve) => socket.once('close', resolve));
    }
    expect(proxy.tunnels.idleDataConnections()).toBe(0);
  });
});
