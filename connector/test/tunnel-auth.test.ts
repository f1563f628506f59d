/**
 * Who may open a tunnel and serve which socket: the connector token (SSH password auth, RFC 4252 §8), the
 * grants behind it (tcpip-forward, RFC 4254 §7.1), and the proxy's certificate (TLS, verified against the CA).
 */
import { waitUntil } from '@border0/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TunnelClient, type TunnelClientOptions } from '../src/index.js';
import { exchange } from './support/clients.js';
import { createTestPki } from './support/test-pki.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';
import { createWorld, ECHO, FORBIDDEN, TOKEN, type World } from './support/world.js';

let world: World;
let proxy: TestProxy;
const opened: TunnelClient[] = [];

beforeAll(async () => {
  world = await createWorld();
  proxy = await startTestProxy({ pki: world.pki, grants: world.grants });
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

afterAll(async () => {
  await proxy?.close();
  await world?.close();
});

function connect(options: Partial<TunnelClientOptions>): TunnelClient {
  const tunnel = new TunnelClient({
    proxy: { host: '127.0.0.1', port: proxy.port, servername: world.pki.servername },
    token: TOKEN,
    ca: world.pki.caPem,
    sockets: [ECHO],
    resolveUpstream: world.resolveUpstream,
    ...options,
  });
  opened.push(tunnel);
  return tunnel.start();
}

describe('connector token', () => {
  it('refuses a bad token, and the connector keeps retrying with backoff rather than in a tight loop', async () => {
    const attempts: number[] = [];
    const grants = world.grants;
    const counting = await startTestProxy({
      pki: world.pki,
      grants,
      tunnelOptions: {
        authenticateConnector: async (token) => {
          attempts.push(Date.now());
          return grants.get(token);
        },
      },
    });
    try {
      // Jitter pinned to half the window: delays of 125, 250, 500 ms between attempts, measurable exactly.
      const tunnel = connect({
        token: 'b0c_wrong',
        proxy: { host: '127.0.0.1', port: counting.port, servername: world.pki.servername },
        backoff: { random: () => 0.5 },
      });
      await waitUntil(() => attempts.length >= 4, 15_000, 'four login attempts');
      expect(tunnel.status.lastError).toBe('connector token refused by the proxy');
      expect(['backoff', 'connecting']).toContain(tunnel.status.state);
      expect(tunnel.status.failures).toBeGreaterThanOrEqual(3);
      expect(counting.up).toEqual([]);
      const gaps = attempts.slice(1, 4).map((at, i) => at - attempts[i]!);
      // Each gap at least the backoff delay (a few ms of timer granularity aside): no tight loop.
      for (const [i, expected] of [125, 250, 500].entries())
        expect(gaps[i]).toBeGreaterThanOrEqual(expected - 5);
    } finally {
      await Promise.all(opened.splice(0).map((t) => t.close()));
      await counting.close();
    }
  });
});

describe('socket grants', () => {
  it('refuses a forward for a socket not granted, while serving the granted one', async () => {
    const tunnel = connect({ sockets: [ECHO, FORBIDDEN] });
    await waitUntil(() => tunnel.status.state === 'connected', 10_000, 'the tunnel to connect');
    expect(tunnel.status.forwarded).toEqual([ECHO]);
    expect(tunnel.status.refused).toEqual([FORBIDDEN]);
    expect(proxy.tunnels.serves(FORBIDDEN)).toBe(false);
    const port = await proxy.clientPort(ECHO);
    expect((await exchange(port, Buffer.from('granted'))).bytes).toBe(7);
  });
});

describe('proxy certificate', () => {
  it('refuses a proxy whose certificate is not signed by the given CA, and keeps trying', async () => {
    const otherCa = await createTestPki();
    const tunnel = connect({ ca: otherCa.caPem });
    await waitUntil(() => tunnel.status.failures >= 2, 10_000, 'two failed attempts');
    expect(tunnel.status.lastError).toMatch(/certificate/i);
    expect(tunnel.status.state).not.toBe('connected');
  });

  it('refuses a proxy whose certificate is for another name', async () => {
    const tunnel = connect({
      proxy: { host: '127.0.0.1', port: proxy.port, servername: 'elsewhere.example' },
    });
    await waitUntil(() => tunnel.status.failures >= 1, 10_000, 'a failed attempt');
    expect(tunnel.status.lastError).toMatch(/elsewhere\.example|altnames|certificate/i);
  });
});
