/**
 * Traffic through a real tunnel: TLS on loopback with generated certificates, ssh2 on both sides, real
 * upstreams. client → stand-in gateway → TunnelServer → TLS/SSH → TunnelClient → upstream.
 */
import { randomBytes } from 'node:crypto';
import { waitUntil } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TunnelClient } from '../src/index.js';
import { closedAfter, exchange, sendAfterTheirEnd, sha256 } from './support/clients.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';
import {
  ANSWER_BYTES,
  ANSWERS,
  CLOSES,
  createWorld,
  ECHO,
  PAYLOAD,
  PAYLOAD_BYTES,
  REFUSED,
  TOKEN,
  type World,
} from './support/world.js';

let world: World;
let proxy: TestProxy;
let tunnel: TunnelClient;
const ports: Record<string, number> = {};
const SOCKETS = [ECHO, PAYLOAD, REFUSED, ANSWERS, CLOSES];
// Built from a `$` so that no linter takes it for a template.
const ECHO_SECRET = `${'$'}{from:env:BORDER0_TUNNEL_TEST_SECRET}`;

beforeAll(async () => {
  world = await createWorld();
  proxy = await startTestProxy({ pki: world.pki, grants: world.grants });
  for (const dnsname of SOCKETS) ports[dnsname] = await proxy.clientPort(dnsname);
  tunnel = new TunnelClient({
    proxy: { host: '127.0.0.1', port: proxy.port, servername: world.pki.servername },
    token: TOKEN,
    ca: world.pki.caPem,
    sockets: SOCKETS,
    resolveUpstream: world.resolveUpstream,
    secretReferences: (dnsname) => (dnsname === ECHO ? [ECHO_SECRET] : []),
  }).start();
  await waitUntil(() => tunnel.status.state === 'connected', 10_000, 'the tunnel to connect');
});

afterAll(async () => {
  await tunnel?.close();
  await proxy?.close();
  await world?.close();
});

describe('a client connection through the tunnel', () => {
  it('reaches the upstream with the connector authenticated and every socket forwarded', () => {
    expect(proxy.up.map((t) => t.connectorId)).toEqual(['connector-1']);
    expect(tunnel.status.forwarded.sort()).toEqual([...SOCKETS].sort());
    expect(proxy.tunnels.serves(ECHO)).toBe(true);
  });

  it('round-trips 20 MB to an echo upstream byte-exact, half-closing after the upload', async () => {
    const payload = randomBytes(PAYLOAD_BYTES);
    const result = await exchange(ports[ECHO]!, payload);
    expect(result.bytes).toBe(payload.length);
    expect(result.sha256).toBe(sha256(payload));
  });

  it('downloads a 20 MB random payload from the upstream byte-exact', async () => {
    const result = await exchange(ports[PAYLOAD]!);
    expect(result.bytes).toBe(PAYLOAD_BYTES);
    expect(result.sha256).toBe(world.payload.sha256);
  });

  it('carries an answer that starts only after the client half-closed, whole (5 MB)', async () => {
    const request = randomBytes(64 * 1024);
    const result = await exchange(ports[ANSWERS]!, request);
    expect(world.answers.requests.at(-1)).toBe(sha256(request));
    expect(result.bytes).toBe(ANSWER_BYTES);
    expect(result.sha256).toBe(world.answers.sha256);
  });

  it('carries what the client sends after the upstream half-closed first, whole (5 MB)', async () => {
    const payload = randomBytes(5 * 1024 * 1024);
    const before = world.closes.received.length;
    const { received } = await sendAfterTheirEnd(ports[CLOSES]!, payload);
    expect(received).toBe('bye\n');
    await waitUntil(() => world.closes.received.length > before, 10_000, 'the upstream to read to the end');
    expect(world.closes.received.at(-1)).toBe(sha256(payload));
  });

  it('carries 64 parallel channels, each byte-exact', async () => {
    const payloads = Array.from({ length: 64 }, (_, i) => randomBytes(16 * 1024 + i * 4096));
    const results = await Promise.all(payloads.map((p) => exchange(ports[ECHO]!, p)));
    expect(results.map((r) => r.sha256)).toEqual(payloads.map(sha256));
  });
});

describe('an upstream that refuses the connection', () => {
  it('closes the client side, tells the proxy why, and leaves the tunnel and other channels alive', async () => {
    const errorsBefore = proxy.channelErrors.length;
    const longRunning = exchange(ports[ECHO]!, randomBytes(4 * 1024 * 1024));
    const refused = await closedAfter(ports[REFUSED]!);
    expect(refused.bytes).toBe(0);
    const reason = proxy.channelErrors.at(errorsBefore);
    expect(reason).toMatchObject({ code: 'channel-refused' });
    expect(reason?.message).toContain('upstream unreachable: ECONNREFUSED');
    expect((await longRunning).bytes).toBe(4 * 1024 * 1024);
    expect(tunnel.status.state).toBe('connected');
    const after = await exchange(ports[ECHO]!, Buffer.from('still here'));
    expect(after.sha256).toBe(sha256(Buffer.from('still here')));
  });
});

describe('a secret reference resolved through the tunnel', () => {
  it('comes back from the connector for the socket it is configured on, and for no other', async () => {
    process.env.BORDER0_TUNNEL_TEST_SECRET = 'only-the-connector-knows';
    expect(await proxy.tunnels.resolveSecret(ECHO, ECHO_SECRET)).toBe('only-the-connector-knows');
    await expect(proxy.tunnels.resolveSecret(PAYLOAD, ECHO_SECRET)).rejects.toMatchObject({
      code: 'secret-unresolved',
      message: expect.stringMatching(/not configured on socket/),
    });
    await expect(proxy.tunnels.resolveSecret('unknown.example', ECHO_SECRET)).rejects.toMatchObject({
      code: 'no-tunnel',
    });
  });
});
