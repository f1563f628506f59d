/**
 * A proxy as far as tunnels go: a TLS listener on loopback routing ALPN `border0-tunnel` to the real
 * TunnelServer of @border0/proxies, plus plain TCP "client ports", one per socket, standing in for the
 * gateway: each accepted connection gets a channel through a tunnel and is bridged to it.
 */
import net from 'node:net';
import tls from 'node:tls';
import {
  bridgeDuplex,
  type ConnectorGrant,
  DATA_ALPN,
  TUNNEL_ALPN,
  TunnelChannel,
  type TunnelInfo,
  TunnelServer,
  type TunnelServerOptions,
} from '@border0/proxies';
import type { TestPki } from './test-pki.js';

export interface TestProxy {
  port: number;
  tunnels: TunnelServer;
  up: TunnelInfo[];
  down: TunnelInfo[];
  /** Reasons the stand-in gateway got when it could not open a channel. */
  channelErrors: Error[];
  /** What carried each client connection: a data connection, or an SSH channel of the tunnel. */
  carriedBy: Array<'data' | 'ssh'>;
  /** Opens a client port for socket `dnsname`; returns its port. */
  clientPort: (dnsname: string) => Promise<number>;
  /** Stops listening and drops every tunnel and client connection, as a dying process would. */
  close: () => Promise<void>;
}

export interface TestProxyOptions {
  pki: TestPki;
  grants: Map<string, ConnectorGrant>;
  /** Listen on this port (to restart a proxy in place); default: any free port. */
  port?: number;
  tunnelOptions?: Partial<TunnelServerOptions>;
}

export async function startTestProxy(options: TestProxyOptions): Promise<TestProxy> {
  const up: TunnelInfo[] = [];
  const down: TunnelInfo[] = [];
  const channelErrors: Error[] = [];
  const carriedBy: Array<'data' | 'ssh'> = [];
  const tunnels = new TunnelServer({
    authenticateConnector: async (token) => options.grants.get(token),
    onTunnelUp: (info) => up.push(info),
    onTunnelDown: (info) => down.push(info),
    ...options.tunnelOptions,
  });
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server = tls.createServer({
    key: options.pki.keyPem,
    cert: options.pki.certPem,
    ALPNProtocols: [TUNNEL_ALPN, DATA_ALPN],
  });
  server.on('secureConnection', (socket) => {
    track(socket);
    if (socket.alpnProtocol === TUNNEL_ALPN) tunnels.accept(socket);
    else if (socket.alpnProtocol === DATA_ALPN) void tunnels.acceptData(socket);
    else socket.destroy();
  });
  // Garbage that is not even TLS ends here; a real gateway logs it.
  server.on('tlsClientError', () => {});
  server.on('connection', track);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));

  const clientServers: net.Server[] = [];
  const clientPort = async (dnsname: string) => {
    const clients = net.createServer({ allowHalfOpen: true }, (client) => {
      track(client);
      const origin = { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 };
      tunnels.openChannel(dnsname, origin).then(
        (channel) => {
          carriedBy.push(channel instanceof TunnelChannel ? 'ssh' : 'data');
          bridgeDuplex(client, channel);
        },
        (error: Error) => {
          channelErrors.push(error);
          client.destroy();
        },
      );
    });
    clientServers.push(clients);
    await new Promise<void>((resolve) => clients.listen(0, '127.0.0.1', resolve));
    return (clients.address() as net.AddressInfo).port;
  };

  return {
    port: (server.address() as net.AddressInfo).port,
    tunnels,
    up,
    down,
    channelErrors,
    carriedBy,
    clientPort,
    close: async () => {
      const closing = [server, ...clientServers].map(
        (s) => new Promise<void>((resolve) => s.close(() => resolve())),
      );
      tunnels.close();
      for (const socket of sockets) socket.destroy();
      await Promise.all(closing);
    },
  };
}
