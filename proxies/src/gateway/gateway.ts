/**
 * The proxy's one TLS listener. The SNI picks the socket (`<socket>-<org>.<base domain>`); an unknown name
 * aborts the handshake, revealing nothing. ALPN picks the role: `border0-tunnel` hands the connection to the
 * tunnel server, anything else is a client of the socket.
 */
import { createServer, type SecureContextOptions, type Server, type TLSSocket } from 'node:tls';
import { CLIENT_ALPN, TUNNEL_ALPN } from '@border0/protocol';
import type { AccessAction } from '@border0/sdk/policy';
import type { Logger } from 'pino';
import type { SocketDirectory } from '../control-plane/socket-directory.js';
import { type AdmittedClient, admitClient, type ConnectionContext } from '../session/client-admission.js';
import { carrySshSession } from '../ssh/ssh-socket.js';
import { carryTlsSession } from '../tls/tls-socket.js';
import type { TunnelServer } from '../tunnel/tunnel-server.js';

/** The protocol handlers by socket type: what a connection asks first, and who carries it once admitted. */
const HANDLERS: Record<
  string,
  { first: AccessAction; carry: (ctx: ConnectionContext, client: AdmittedClient) => Promise<void> }
> = {
  tls: { first: { type: 'tls' }, carry: carryTlsSession },
  ssh: { first: { type: 'ssh', kind: 'connect' }, carry: carrySshSession },
};

export interface GatewayOptions {
  /** The proxy's key and certificate, and the client CAs of every organization. */
  credentials: Pick<SecureContextOptions, 'key' | 'cert' | 'ca'>;
  /** Tunnels arrive with the base domain itself as their server name. */
  baseDomain: string;
  directory: SocketDirectory;
  tunnels: TunnelServer;
  connection: ConnectionContext;
  log: Logger;
}

export function createGateway(options: GatewayOptions): Server {
  const { baseDomain, directory, tunnels, log } = options;
  const server = createServer({
    ...options.credentials,
    // Certificates are checked here and judged per connection: a missing or foreign one is a refused session.
    requestCert: true,
    rejectUnauthorized: false,
    handshakeTimeout: 10_000,
    ALPNCallback: ({ protocols }) => {
      for (const preferred of [TUNNEL_ALPN, CLIENT_ALPN]) if (protocols.includes(preferred)) return preferred;
      return protocols[0];
    },
    SNICallback: (servername, done) => {
      if (servername.toLowerCase() === baseDomain) return done(null);
      directory.find(servername).then(
        (found) => done(found ? null : new Error(`unknown server name ${servername}`)),
        (error: Error) => done(error),
      );
    },
  });

  server.on('secureConnection', (socket: TLSSocket) => {
    // Status lines and small protocol messages go out at once instead of waiting on Nagle's algorithm.
    socket.setNoDelay(true);
    if (socket.alpnProtocol === TUNNEL_ALPN) {
      tunnels.accept(socket, { address: socket.remoteAddress, port: socket.remotePort });
      return;
    }
    const servername = (socket as TLSSocket & { servername?: string | false }).servername;
    if (!servername || servername.toLowerCase() === baseDomain) {
      socket.destroy();
      return;
    }
    directory
      .find(servername)
      .then(async (lookup) => {
        if (!lookup) return socket.destroy();
        const handler = HANDLERS[lookup.socket.socket_type];
        const admitted = await admitClient(options.connection, socket, lookup, handler?.first);
        if (admitted && handler) await handler.carry(options.connection, admitted);
      })
      .catch((error: Error) => {
        log.warn({ err: error, servername }, 'connection failed');
        socket.destroy();
      });
  });
  server.on('tlsClientError', (error, socket) => {
    log.debug({ err: error, ip: socket.remoteAddress }, 'TLS handshake refused');
  });
  return server;
}
