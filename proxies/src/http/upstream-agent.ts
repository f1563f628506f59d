/**
 * Connections to an HTTP socket's upstream: each one a channel of a connector's tunnel, kept alive and reused
 * by Node's own HTTP client (an http.Agent per socket whose connections are tunnel channels; TLS inside the
 * channel for a `scheme: https` upstream, verified as its `tls` says: by default the chain and the name). An
 * idle connection is closed after a few seconds, before a typical upstream's own keep-alive timeout (Node's
 * is 5 s) could close it under a request.
 */
import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SocketLookup } from '../control-plane/socket-directory.js';
import { type UpstreamTlsSettings, upstreamTls } from '../session/upstream-tls.js';
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
  // One timer per connection, re-armed on every use (Node's Agent sets the idle timeout each time a
  // connection is freed or reused): refresh() costs far less than a new timer per request.
  let timer: NodeJS.Timeout | undefined;
  let timeoutMs = 0;
  const arm = () => {
    if (timeoutMs <= 0 || channel.destroyed) {
      clearTimeout(timer);
      timer = undefined;
    } else if (timer) {
      timer.refresh();
    } else {
      timer = setTimeout(() => channel.emit('timeout'), timeoutMs);
      timer.unref();
    }
  };
  socket.setTimeout = (ms: number, callback?: () => void) => {
    if (ms !== timeoutMs) {
      clearTimeout(timer);
      timer = undefined;
    }
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

/** How a `scheme: https` upstream is reached: the name its certificate must carry, and how it is verified. */
interface HttpsUpstream {
  name: string;
  settings: UpstreamTlsSettings;
}

class TunnelAgent extends Agent {
  readonly #open: () => Promise<Duplex>;
  readonly #https: HttpsUpstream | undefined;

  constructor(open: () => Promise<Duplex>, https: HttpsUpstream | undefined) {
    super({ keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_FREE_SOCKETS, timeout: IDLE_MS });
    this.#open = open;
    this.#https = https;
    // http-proxy-3 sends an https target through node:https, which refuses an agent of another protocol;
    // the TLS itself is this agent's (inside the channel, see createConnection).
    if (https) (this as unknown as { protocol: string }).protocol = 'https:';
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): undefined {
    this.#open()
      .then(async (channel) => {
        if (!this.#https) return asSocket(channel);
        // TLS inside the channel, verified as the socket says; the request fails (502) when it is refused.
        const tls = await upstreamTls(channel, this.#https.name, this.#https.settings, ['http/1.1']).catch(
          (error: unknown) => {
            channel.destroy();
            throw error;
          },
        );
        tls.once('end', () => tls.destroy());
        return tls;
      })
      .then(
        (socket) => callback?.(null, socket),
        (error: Error) => callback?.(error, undefined as never),
      );
    return undefined;
  }
}

/** The name a `scheme: https` upstream's certificate must carry: `tls.server_name`, the host header, the host. */
function httpsUpstream(upstream: HttpUpstream): HttpsUpstream | undefined {
  if (upstream.scheme !== 'https') return undefined;
  const hostHeader = upstream.host_header?.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return {
    name: upstream.tls?.server_name ?? (hostHeader || upstream.hostname),
    settings: {
      enabled: true,
      verify: upstream.tls?.verify ?? 'full',
      ca_certificate: upstream.tls?.ca_certificate,
    },
  };
}

/** What http-proxy-3 needs to reach a socket's upstream: made once per upstream, not per request. */
export interface UpstreamRoute {
  /** A URL object: http-proxy-3 parses a string target again on every request. */
  target: URL;
  agent: Agent;
  secure: false;
}

/** One keep-alive agent per socket, made again when the socket's upstream changes. */
export class UpstreamAgents {
  readonly #tunnels: TunnelServer;
  readonly #routes = new Map<string, { signature: string; route: UpstreamRoute }>();

  constructor(tunnels: TunnelServer) {
    this.#tunnels = tunnels;
  }

  routeFor(dnsname: string, upstream: HttpUpstream): UpstreamRoute {
    const signature = JSON.stringify([
      upstream.scheme,
      upstream.hostname,
      upstream.port,
      upstream.host_header,
      upstream.tls,
    ]);
    const known = this.#routes.get(dnsname);
    if (known?.signature === signature) return known.route;
    known?.route.agent.destroy();
    const agent = new TunnelAgent(() => this.#tunnels.openChannel(dnsname, ORIGIN), httpsUpstream(upstream));
    const host = upstream.hostname.includes(':') ? `[${upstream.hostname}]` : upstream.hostname;
    const route: UpstreamRoute = {
      target: new URL(`${upstream.scheme}://${host}:${upstream.port}`),
      agent,
      secure: false,
    };
    this.#routes.set(dnsname, { signature, route });
    return route;
  }

  close(): void {
    for (const { route } of this.#routes.values()) route.agent.destroy();
    this.#routes.clear();
  }
}
