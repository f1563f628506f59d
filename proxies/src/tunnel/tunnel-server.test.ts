/**
 * The tunnel server's state machine over in-memory duplex pairs, with a real ssh2 client as the connector:
 * authentication (RFC 4252 password), forwards (RFC 4254 §7.1), channels (§7.2), and bad input.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { duplexPair } from '@border0/protocol';
import { waitUntil } from '@border0/testing';
import type ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectorPeer, connectorPeer } from '../../test/support/connector-peer.js';
import type { ConnectorGrant } from './tunnel-connection.js';
import { TunnelError } from './tunnel-error.js';
import { type TunnelInfo, TunnelServer, type TunnelServerOptions } from './tunnel-server.js';

const DB = 'db-acme.border0.test';
const WEB = 'web-acme.border0.test';
const grants = new Map<string, ConnectorGrant>([
  ['token-1', { connectorId: 'c1', organizationId: 'acme', sockets: [{ id: 's1', dnsname: DB }] }],
  ['token-2', { connectorId: 'c2', organizationId: 'acme', sockets: [{ id: 's1', dnsname: DB }] }],
]);
const authenticateConnector = async (token: string) => grants.get(token);
const origin = { address: '198.51.100.7', port: 50_000 };

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  grants.delete('token-3');
});

function harness(options: Partial<TunnelServerOptions> = {}) {
  const up: TunnelInfo[] = [];
  const down: TunnelInfo[] = [];
  const server = new TunnelServer({
    authenticateConnector,
    onTunnelUp: (info) => up.push(info),
    onTunnelDown: (info) => down.push(info),
    ...options,
  });
  cleanups.push(() => server.close());
  const connect = (token: string): ConnectorPeer & { proxyEnd: Duplex } => {
    const [proxyEnd, connectorEnd] = duplexPair();
    server.accept(proxyEnd, { address: '192.0.2.1', port: 40_000 });
    const peer = connectorPeer(connectorEnd, token);
    cleanups.push(() => peer.client.end());
    return { ...peer, proxyEnd };
  };
  return { server, up, down, connect };
}

/** Makes the connector answer channels: echo what arrives, then say "bye" after the proxy half-closes. */
function echoChannels(peer: ConnectorPeer, seen: ssh2.TcpConnectionDetails[] = []) {
  peer.client.on('tcp connection', (details, accept) => {
    seen.push(details);
    const channel = accept();
    channel.on('data', (chunk: Buffer) => channel.write(chunk));
    channel.on('end', () => channel.end('bye'));
  });
  return seen;
}

async function readAll(stream: Duplex): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('authentication', () => {
  it('brings a tunnel up for a valid connector token and reports it with the connector id', async () => {
    const { server, up, connect } = harness();
    const peer = connect('token-1');
    await peer.ready;
    expect(up.map((t) => t.connectorId)).toEqual(['c1']);
    expect(server.tunnels()[0]).toMatchObject({ connectorId: 'c1', organizationId: 'acme' });
  });

  it('refuses an unknown token and never reports a tunnel', async () => {
    const { server, up, connect } = harness();
    const peer = connect('wrong');
    await expect(peer.ready).rejects.toThrow(/authentication/i);
    expect(up).toEqual([]);
    expect(server.tunnels()).toEqual([]);
  });
});

describe('forwards', () => {
  it('accepts a forward for a granted socket and serves it', async () => {
    const { server, connect } = harness();
    const peer = connect('token-1');
    await peer.ready;
    await expect(peer.forward(DB)).resolves.toBeGreaterThan(0);
    expect(server.serves(DB)).toBe(true);
  });

  it('refuses a forward for a socket not granted to the connector', async () => {
    const { server, connect } = harness();
    const peer = connect('token-1');
    await peer.ready;
    await expect(peer.forward(WEB)).rejects.toThrow();
    expect(server.serves(WEB)).toBe(false);
  });

  it('accepts a socket granted after the tunnel came up, by asking again', async () => {
    const { server, connect } = harness();
    grants.set('token-3', { connectorId: 'c3', organizationId: 'acme', sockets: [] });
    const peer = connect('token-3');
    await peer.ready;
    grants.set('token-3', {
      connectorId: 'c3',
      organizationId: 'acme',
      sockets: [{ id: 's2', dnsname: WEB }],
    });
    await peer.forward(WEB);
    expect(server.serves(WEB)).toBe(true);
  });
});

describe('channels', () => {
  it('opens a forwarded-tcpip channel with the client as origin and carries a half-close both ways', async () => {
    const { server, connect } = harness();
    const peer = connect('token-1');
    const seen = echoChannels(peer);
    await peer.ready;
    await peer.forward(DB);
    // SNI names arrive in any case; DNS names are case-insensitive.
    const channel = await server.openChannel(DB.toUpperCase(), origin);
    channel.end('hello');
    expect(await readAll(channel)).toBe('hellobye');
    expect(seen[0]).toMatchObject({ destIP: DB, srcIP: origin.address, srcPort: origin.port });
  });

  it('fails clearly when no connector serves the socket', async () => {
    const { server } = harness();
    const failure = server.openChannel(DB, origin);
    await expect(failure).rejects.toBeInstanceOf(TunnelError);
    await expect(failure).rejects.toMatchObject({ code: 'no-tunnel' });
  });

  it('reports a refused channel as channel-refused', async () => {
    const { server, connect } = harness();
    const peer = connect('token-1');
    peer.client.on('tcp connection', (_details, _accept, reject) => reject());
    await peer.ready;
    await peer.forward(DB);
    await expect(server.openChannel(DB, origin)).rejects.toMatchObject({ code: 'channel-refused' });
  });

  it('spreads channels over every tunnel serving the socket', async () => {
    const { server, connect } = harness();
    const seen: ssh2.TcpConnectionDetails[][] = [];
    for (const token of ['token-1', 'token-2']) {
      const peer = connect(token);
      seen.push(echoChannels(peer));
      await peer.ready;
      await peer.forward(DB);
    }
    for (let i = 0; i < 4; i++) (await server.openChannel(DB, origin)).destroy();
    expect(seen.map((s) => s.length)).toEqual([2, 2]);
  });
});

describe('tunnel lifecycle', () => {
  it('forgets a tunnel the moment its stream goes away', async () => {
    const { server, down, connect } = harness();
    const peer = connect('token-1');
    await peer.ready;
    await peer.forward(DB);
    peer.proxyEnd.destroy();
    await waitUntil(() => down.length === 1, 2_000, 'the tunnel to be reported down');
    expect(server.serves(DB)).toBe(false);
    expect(down.map((t) => t.connectorId)).toEqual(['c1']);
    expect(down[0]!.sockets).toEqual([DB]);
  });

  it('cuts every tunnel of a connector on request', async () => {
    const { server, connect } = harness();
    const peer = connect('token-1');
    await peer.ready;
    await peer.forward(DB);
    expect(server.disconnectConnector('c1')).toBe(1);
    expect(server.serves(DB)).toBe(false);
    await waitUntil(() => peer.proxyEnd.destroyed, 2_000, 'the tunnel stream to close');
  });
});

describe('bad input', () => {
  it('closes a tunnel that sends random bytes, without an error escaping', async () => {
    const { server, up } = harness();
    const [proxyEnd, attacker] = duplexPair();
    attacker.on('error', () => {});
    server.accept(proxyEnd);
    attacker.write(randomBytes(64 * 1024));
    // Well before the 10 s handshake timeout: ssh2 rejects the identification line at once.
    await waitUntil(() => proxyEnd.destroyed, 2_000, 'the garbage tunnel to close');
    expect(up).toEqual([]);
  });

  it('closes a tunnel whose handshake stops half way', async () => {
    const { server, up } = harness({ handshakeTimeoutMs: 300 });
    const [proxyEnd, attacker] = duplexPair();
    server.accept(proxyEnd);
    // An identification line and the first bytes of a KEXINIT packet, then silence.
    attacker.write('SSH-2.0-OpenSSH_9.6\r\n');
    attacker.write(Buffer.from([0, 0, 1, 0x2c, 0x0a, 0x14]));
    await waitUntil(() => proxyEnd.destroyed, 5_000, 'the stalled tunnel to close');
    expect(up).toEqual([]);
  });
});
