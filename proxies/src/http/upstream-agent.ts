/**
 * Connections to an HTTP socket's upstream: each one a channel of a connector's tunnel, kept alive and reused
 * by Node's own HTTP client (an http.Agent per socket whose connections are tunnel channels; TLS inside the
 * channel for a `scheme: https` upstream). An idle connection is closed after a few seconds, before a typical
 * upstream's own keep-alive timeout (Node's is 5 s) could close it under a request.
 */
import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { SocketLookup } from '../control-plane/socket-directory.js';
import type { TunnelServer } from '../tunnel/tunnel-server.js';

/** Idle upstream connections are closed after this long. */
const IDLE_MS = 4_000;
/** Upstream connections per socket at once, and kept idle. */
const MAX_SOCKETS = 256;
const MAX_FREE_SOCKETS = 32;
/** The proxy itself is the upstream's client: channels are opened on its behalf. */
const ORIGIN = { address: '0.0.0.0', port: 0 };

type HttpUpstream = Extract<SocketLookup['socket']['upstream_configuration'], { type: 'http' }>;

/**
 * What Node's HTTP client and Agent expect of a net.Socket beyond a Duplex: idle timeouts (a free connection
 * is destroyed on 'timeout'), keep-alive and Nagle (meaningless on a channel), ref/unref. Ending the
 * reading side ends the connection: HTTP/1.1 needs no half-close, and a half-closed free connection must
 * not be reused.
 */
function asSocket(channel: Duplex): Duplex {
  const socket = channel as Duplex & Record<string, unknown>;
  let timer: NodeJS.Timeout | undefined;
  let timeoutMs = 0;
  const arm = () => {
    clearTimeout(timer);
    if (timeoutMs > 0 && !channel.destroyed) {
      timer = setTimeout(() => channel.emit('timeout'), timeoutMs);
      timer.unref();
    }
  };
  socket.setTimeout = (ms: number, callback?: () => void) => {
    timeoutMs = ms;
    socket.timeout = ms;
    if (callback) channel.once('timeout', callback);
    arm();
    return channel;
  };
  socket.setKeepAlive = () => channel;
  socket.setNoDelay = () => channel;
  socket.ref = () => channel;
  socket.unref = () => channel;
  socket.destroySoon = () => {
    channel.end();
    channel.destroy();
  };
  channel.on('free', arm);
  channel.once('end', () => channel.destroy());
  channel.once('close', () => clearTimeout(timer));
  return channel;
}

class TunnelAgent extends Agent {
  readonly #open: () => Promise<Duplex>;
  readonly #servername: string | undefined;

  constructor(open: () => Promise<Duplex>, servername: string | undefined) {
    super({ keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_FREE_SOCKETS, timeout: IDLE_MS });
    this.#open = open;
    this.#servername = servername;
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): undefined {
    this.#open().then(
      (channel) => {
        if (this.#servername === undefined) return callback?.(null, asSocket(channel));
        // The upstream's certificate is not verified: a socket names no CA to verify it with, and the
        // channel already runs inside the connector's authenticated tunnel.
        const tls = tlsConnect({
          socket: channel,
          servername: /^[\d.:]+$/.test(this.#servername) ? undefined : this.#servername,
          rejectUnauthorized: false,
          ALPNProtocols: ['http/1.1'],
        });
        tls.once('end', () => tls.destroy());
        callback?.(null, tls);
      },
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }
}

/** One keep-alive agent per socket, made again when the socket's upstream changes. */
export class UpstreamAgents {
  readonly #tunnels: TunnelServer;
  readonly #agents = new Map<string, { signature: string; agent: Agent }>();

  constructor(tunnels: TunnelServer) {
    this.#tunnels = tunnels;
  }

  agentFor(dnsname: string, upstream: HttpUpstream): Agent {
    const signature = `${upstream.scheme}://${upstream.hostname}:${upstream.port}`;
    const known = this.#agents.get(dnsname);
    if (known?.signature === signature) return known.agent;
    known?.agent.destroy();
    const agent = new TunnelAgent(
      () => this.#tunnels.openChannel(dnsname, ORIGIN),
      upstream.scheme === 'https' ? (upstream.host_header ?? upstream.hostname) : undefined,
    );
    this.#agents.set(dnsname, { signature, agent });
    return agent;
  }

  close(): void {
    for (const { agent } of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}
