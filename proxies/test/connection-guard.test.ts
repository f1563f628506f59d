/**
 * Connections that never log in, against a real proxy on loopback: each phase has a deadline (the TLS
 * handshake from accept, then the protocol's login), and an address may hold only so many such connections.
 * Other addresses (127.0.0.0/8 is all this machine) and connectors' tunnels are still served meanwhile.
 */
import { type Socket, connect as tcpConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { TUNNEL_ALPN } from '@border0/protocol';
import { waitUntil } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorPeer } from './support/connector-peer.js';
import {
  type ClientCredentials,
  clientHello,
  msUntilClosed,
  rawConnection,
  type Stack,
  sshLogin,
  startStack,
  statusLineOf,
  type TestProxy,
  tlsConnection,
} from './support/stack.js';

const DEADLINE_MS = 1500;
/** Generous: the machine is shared, and a deadline that fires late still bounds the connection. */
const SLACK_MS = 5000;

/** An API with its store, a proxy and a certificate: slow on a busy machine. */
const STARTUP_MS = 120_000;
let stack: Stack;
let connectorToken: string;
const ssh = 'box-local.localhost';
const cache = 'cache-local.localhost';

beforeAll(async () => {
  stack = await startStack();
  const connector = await stack.admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  connectorToken = (
    await stack.admin.post('/api/v1/connectors/{connector}/tokens', {
      params: { path: { connector: connector.id } },
      body: { name: 'lab' },
    })
  ).token;
  await stack.admin.post('/api/v1/sockets', {
    body: {
      name: 'box',
      socket_type: 'ssh',
      connector_ids: [connector.id],
      upstream_configuration: {
        type: 'ssh',
        hostname: '127.0.0.1',
        port: 22,
        authentication_type: 'username_and_password',
        username: 'nobody',
        password: 'unused',
      },
    },
  });
  await stack.admin.post('/api/v1/sockets', {
    body: {
      name: 'cache',
      socket_type: 'tls',
      connector_ids: [connector.id],
      upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
    },
  });
  await stack.admin.post('/api/v1/policies', {
    body: {
      name: 'admin-everywhere',
      org_wide: true,
      document: {
        permissions: { ssh: { shell: {} }, tls: {} },
        condition: { who: { email: ['admin@localhost'] } },
      },
    },
  });
}, STARTUP_MS);
afterAll(() => stack?.close());

describe('deadlines before login', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await stack.startProxy({
      connectionLimits: { handshakeTimeoutMs: DEADLINE_MS, loginTimeoutMs: DEADLINE_MS },
    });
  }, STARTUP_MS);

  const closedByDeadline = async (socket: Socket) => {
    const ms = await msUntilClosed(socket, DEADLINE_MS + SLACK_MS);
    expect(ms).toBeGreaterThan(DEADLINE_MS * 0.8);
  };

  it('closes a connection that sends nothing', async () => {
    await closedByDeadline(await rawConnection(proxy.port));
  });

  it('closes a connection that sends half a ClientHello', async () => {
    const hello = await clientHello(ssh);
    const socket = await rawConnection(proxy.port);
    socket.write(hello.subarray(0, hello.length >> 1));
    await closedByDeadline(socket);
  });

  it('closes a connection that sends only a record header', async () => {
    const socket = await rawConnection(proxy.port);
    // Handshake record, TLS 1.0 on the record layer, 512 bytes announced.
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
    await closedByDeadline(socket);
  });

  it('closes a logged-in TLS connection to an ssh socket that never speaks SSH', async () => {
    const tls = await tlsConnection(proxy.port, { servername: ssh, credentials: stack.credentials });
    expect(await statusLineOf(tls)).toMatch(/^OK/);
    await closedByDeadline(tls);
  });

  it('keeps an SSH connection past the deadlines once it has logged in', async () => {
    // Without the border0 status line (another ALPN), ssh2 reads the proxy's SSH banner first.
    const tls = await tlsConnection(proxy.port, {
      servername: ssh,
      credentials: stack.credentials,
      alpn: 'ssh',
    });
    const client = await sshLogin(tls);
    await expect(msUntilClosed(tls, DEADLINE_MS * 2)).rejects.toThrow(/still open/);
    client.end();
  });

  it(
    'survives clients that reset their connection right after the handshake',
    async () => {
      for (let round = 0; round < 5; round++) {
        await Promise.all(
          Array.from({ length: 40 }, async () => {
            const { tls, tcp } = await resettableTls(proxy.port, ssh, stack.credentials);
            // A TCP reset, while the proxy is still looking the socket up or deciding.
            tcp.resetAndDestroy();
            tls.destroy();
          }),
        );
      }
      const tls = await tlsConnection(proxy.port, { servername: ssh, credentials: stack.credentials });
      expect(await statusLineOf(tls)).toMatch(/^OK/);
      tls.destroy();
    },
    STARTUP_MS,
  );

  it('lets nothing linger in the budget', async () => {
    await waitUntil(() => proxy.handle.pendingConnections === 0, SLACK_MS, 'no pending connections');
  });
});

describe('connections per address', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    // Deadlines far away: what is measured here is the budget alone.
    proxy = await stack.startProxy({
      connectionLimits: {
        handshakeTimeoutMs: 60_000,
        loginTimeoutMs: 60_000,
        maxPendingPerAddress: 5,
        maxPending: 8,
      },
    });
  }, STARTUP_MS);

  it('refuses an address past its limit while another address is served', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, () => rawConnection(proxy.port, '127.0.0.2')));
    await waitUntil(() => proxy.handle.pendingConnections === 5, SLACK_MS, 'five pending');
    // Reset at once: the client may hear it before or after its connect completes.
    const refused = await rawConnection(proxy.port, '127.0.0.2').then(
      (socket) => msUntilClosed(socket, SLACK_MS).then(() => 'closed'),
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(refused).toMatch(/^(closed|ECONNRESET)$/);
    expect(held.every((socket) => !socket.destroyed)).toBe(true);

    const other = await tlsConnection(proxy.port, {
      servername: cache,
      localAddress: '127.0.0.3',
    });
    expect(await statusLineOf(other)).toMatch(/^DENIED no valid client certificate/);
    other.destroy();

    // Once one of them goes, the address may connect again.
    held.pop()!.destroy();
    await waitUntil(() => proxy.handle.pendingConnections === 4, SLACK_MS, 'four pending');
    const again = await tlsConnection(proxy.port, { servername: cache, localAddress: '127.0.0.2' });
    expect(await statusLineOf(again)).toMatch(/^DENIED/);
    again.destroy();
    for (const socket of held) socket.destroy();
    await waitUntil(() => proxy.handle.pendingConnections === 0, SLACK_MS, 'no pending connections');
  });

  it('at the total limit, closes the oldest to let a connector in', async () => {
    const first = await rawConnection(proxy.port, '127.0.0.2');
    const closed = msUntilClosed(first, SLACK_MS * 2);
    const rest = await Promise.all([
      ...Array.from({ length: 4 }, () => rawConnection(proxy.port, '127.0.0.2')),
      ...Array.from({ length: 3 }, () => rawConnection(proxy.port, '127.0.0.3')),
    ]);
    await waitUntil(() => proxy.handle.pendingConnections === 8, SLACK_MS, 'eight pending');

    const tunnel = await tlsConnection(proxy.port, {
      servername: 'localhost',
      alpn: TUNNEL_ALPN,
      localAddress: '127.0.0.4',
    });
    const peer = connectorPeer(tunnel, connectorToken);
    await peer.ready;
    await closed;
    expect(rest.every((socket) => !socket.destroyed)).toBe(true);
    // The tunnel left the budget when its handshake was done.
    expect(proxy.handle.pendingConnections).toBe(7);
    peer.client.end();
    for (const socket of rest) socket.destroy();
    await waitUntil(() => proxy.handle.pendingConnections === 0, SLACK_MS, 'no pending connections');
  });
});

/**
 * A TLS client whose TCP connection can be reset: TLS runs over a stream of ours, so that the TCP socket is
 * not Node's TLS socket's own (resetting that one from under it crashes the client).
 */
async function resettableTls(
  port: number,
  servername: string,
  credentials: ClientCredentials,
): Promise<{ tls: TLSSocket; tcp: Socket }> {
  const tcp = tcpConnect({ host: '127.0.0.1', port });
  tcp.on('error', () => {});
  const carrier = new Duplex({
    read() {},
    write(chunk, _encoding, done) {
      if (tcp.destroyed) return done();
      tcp.write(chunk, () => done());
    },
  });
  tcp.on('data', (chunk) => carrier.push(chunk));
  tcp.on('close', () => carrier.destroy());
  const tls = tlsConnect({ socket: carrier, servername, rejectUnauthorized: false, ...credentials });
  tls.on('error', () => {});
  await new Promise((resolve, reject) => {
    tls.once('secureConnect', resolve);
    tls.once('close', () => reject(new Error('closed before the handshake')));
  });
  return { tls, tcp };
}
