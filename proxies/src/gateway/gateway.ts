/**
 * The proxy's one TLS listener. The SNI picks the socket (`<socket>-<org>.<base domain>`); an unknown name
 * aborts the handshake, revealing nothing. ALPN picks the role: `border0-tunnel` hands the connection to the
 * tunnel server, anything else is a client of the socket. Every connection is bounded until it has logged in
 * (ConnectionGuard): the TCP listener is ours, and admitted connections are handed to Node's TLS server.
 */
import { createServer as createTcpServer, type Socket } from 'node:net';
import { createServer, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { CLIENT_ALPN, DATA_ALPN, TUNNEL_ALPN } from '@border0/protocol';
import type { AccessAction } from '@border0/sdk/policy';
import type { Logger } from 'pino';
import type { SocketDirectory } from '../control-plane/socket-directory.js';
import type { HttpSocketFront } from '../http/http-socket.js';
import { type AdmittedClient, admitClient, type ConnectionContext } from '../session/client-admission.js';
import { carryDatabaseSession } from '../session/database-session.js';
import { carrySshSession } from '../ssh/ssh-socket.js';
import { carryTlsSession } from '../tls/tls-socket.js';
import type { TunnelServer } from '../tunnel/tunnel-server.js';
import { ConnectionGuard, type ConnectionLimits } from './connection-guard.js';

/** The protocol handlers by socket type: what a connection asks first, and who carries it once admitted. */
const HANDLERS: Record<
  string,
  { first: AccessAction; carry: (ctx: ConnectionContext, client: AdmittedClient) => Promise<void> }
> = {
  tls: { first: { type: 'tls' }, carry: carryTlsSession },
  ssh: { first: { type: 'ssh', kind: 'connect' }, carry: carrySshSession },
  database: { first: { type: 'database' }, carry: carryDatabaseSession },
};

const HTTP1_ALPN = 'http/1.1';

type Credentials = Pick<SecureContextOptions, 'key' | 'cert' | 'ca'>;

export interface GatewayOptions {
  /** The proxy's key and certificate, and the client CAs of every organization. */
  credentials: Credentials;
  /** Tunnels arrive with the base domain itself as their server name. */
  baseDomain: string;
  directory: SocketDirectory;
  tunnels: TunnelServer;
  connection: ConnectionContext;
  /** Carries HTTP sockets (they need no client certificate: the identity comes with each request). */
  http: HttpSocketFront;
  limits: ConnectionLimits;
  log: Logger;
}

export interface Gateway {
  /** Listens on `host:port` (0 picks a free port); resolves with the port. */
  listen(port: number, host: string): Promise<number>;
  /** New credentials (the organizations' client CAs changed) for the connections to come. */
  setSecureContext(credentials: Credentials): void;
  /** Connections not logged in yet. */
  readonly pending: number;
  /** Stops listening and closes the connections that have not logged in; resolves once the rest ended. */
  close(): Promise<void>;
}

export function createGateway(options: GatewayOptions): Gateway {
  const { baseDomain, directory, tunnels, log } = options;
  const guard = new ConnectionGuard(options.limits, log.child({ part: 'guard' }));
  const tls = createServer({
    ...options.credentials,
    // Certificates are checked here and judged per connection: a missing or foreign one is a refused session.
    requestCert: true,
    rejectUnauthorized: false,
    handshakeTimeout: options.limits.handshakeTimeoutMs,
    ALPNCallback: ({ protocols }) => {
      // Browsers offer h2 first: HTTP sockets speak HTTP/1.1.
      for (const preferred of [TUNNEL_ALPN, DATA_ALPN, CLIENT_ALPN, HTTP1_ALPN]) {
        if (protocols.includes(preferred)) return preferred;
      }
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
  // Node's TLS server takes connections handed to it this way (documented for its 'connection' event).
  const tcp = createTcpServer((raw: Socket) => {
    if (guard.accept(raw)) tls.emit('connection', raw);
  });

  tls.on('secureConnection', (socket: TLSSocket) => {
    // From here on, errors (a client's reset) are the socket's own: without a listener they would end the proxy.
    socket.on('error', (error) => log.debug({ err: error, ip: socket.remoteAddress }, 'connection error'));
    // Status lines and small protocol messages go out at once instead of waiting on Nagle's algorithm.
    socket.setNoDelay(true);
    if (socket.alpnProtocol === TUNNEL_ALPN) {
      guard.handshaken(socket, 'tunnel');
      tunnels.accept(socket, { address: socket.remoteAddress, port: socket.remotePort });
      return;
    }
    if (socket.alpnProtocol === DATA_ALPN) {
      // Held to the login deadline until its hello names the token of a live tunnel.
      const loggedIn = guard.handshaken(socket, 'client');
      if (loggedIn) void tunnels.acceptData(socket, loggedIn);
      else socket.destroy();
      return;
    }
    const loggedIn = guard.handshaken(socket, 'client');
    const servername = (socket as TLSSocket & { servername?: string | false }).servername;
    if (!loggedIn || !servername || servername.toLowerCase() === baseDomain) {
      socket.destroy();
      return;
    }
    directory
      .find(servername)
      .then(async (lookup) => {
        if (!lookup) return socket.destroy();
        // A browser on an ssh socket: its terminal's WebSocket. Clients of the socket present a certificate
        // (a border0 client also says so by ALPN); a browser presents none, and may offer no ALPN at all.
        const browser =
          lookup.socket.socket_type === 'ssh' &&
          (socket.alpnProtocol === HTTP1_ALPN ||
            (socket.alpnProtocol !== CLIENT_ALPN &&
              Object.keys(socket.getPeerCertificate() ?? {}).length === 0));
        if (lookup.socket.socket_type === 'http' || browser) {
          loggedIn();
          return options.http.acceptTls(socket, lookup);
        }
        const handler = HANDLERS[lookup.socket.socket_type];
        const admitted = await admitClient(options.connection, socket, lookup, handler?.first, loggedIn);
        if (admitted && handler) await handler.carry(options.connection, admitted);
      })
      .catch((error: Error) => {
        log.warn({ err: error, servername }, 'connection failed');
        socket.destroy();
      });
  });
  tls.on('tlsClientError', (error, socket) => {
    log.debug({ err: error, ip: socket.remoteAddress }, 'TLS handshake refused');
  });

  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, host, () => {
          tcp.off('error', reject);
          resolve((tcp.address() as { port: number }).port);
        });
      }),
    setSecureContext: (credentials) => tls.setSecureContext(credentials),
    get pending() {
      return guard.pending;
    },
    close: () =>
      new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        guard.close();
      }),
  };
}
