/**
 * HTTP sockets: an identity-aware reverse proxy. Connections arrive from the gateway's TLS listener (the SNI
 * named an HTTP socket) or, with `border0 start`, on a plain HTTP listener on loopback
 * (`http://<socket>-<org>.localhost:<port>/`). Node's HTTP server parses requests; http-proxy-3 carries them
 * to the upstream through a tunnel channel (see UpstreamAgents), streaming bodies both ways with backpressure,
 * and WebSocket upgrades likewise. Each request: who (a bearer token, or the proxy's cookie from a browser
 * login), whether policy allows it now (HttpSessions), then the upstream, with the identity in its headers;
 * each finished request is a line in its session's access log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { CountryResolver } from '@border0/geoip';
import { createProxyServer } from 'http-proxy-3';
import type { Logger } from 'pino';
import type { SocketDirectory, SocketLookup } from '../control-plane/socket-directory.js';
import type { ClientIdentity } from '../gateway/client-identity.js';
import type { ConnectionContext } from '../session/client-admission.js';
import { UpstreamTlsError } from '../session/upstream-tls.js';
import { WEB_TERMINAL_PATH, type WebTerminals } from '../ssh/web-terminal.js';
import { TunnelError } from '../tunnel/tunnel-error.js';
import type { HttpCredential, HttpIdentityLookup } from './http-identity.js';
import { type HttpSession, type HttpSessionOptions, HttpSessions } from './http-sessions.js';
import { type ProxyAnswer, sendAnswer, sendAnswerOnSocket } from './refusal-page.js';
import { UpstreamAgents } from './upstream-agent.js';
import { upstreamHeaders } from './upstream-headers.js';
import {
  CALLBACK_PATH,
  clearedSessionCookie,
  isBrowserNavigation,
  loginRedirect,
  requestCredential,
  SESSION_COOKIE,
  safeReturnPath,
  sessionCookieHeader,
} from './web-login.js';

export interface HttpSocketOptions {
  ctx: ConnectionContext;
  directory: SocketDirectory;
  identities: HttpIdentityLookup;
  /** The control plane's login page for browsers (`<API public URL>/login`). */
  loginPage: string;
  baseDomain: string;
  sessions?: HttpSessionOptions | undefined;
  geo: CountryResolver;
  log: Logger;
  /** Terminals in the browser on ssh sockets (`/.border0/terminal` on the socket's host). */
  terminals?: WebTerminals | undefined;
}

/** Where a connection's requests go, and how the client reached the proxy. */
interface Route {
  lookup?: SocketLookup | undefined;
  proto: 'http' | 'https';
}

type HttpUpstream = Extract<SocketLookup['socket']['upstream_configuration'], { type: 'http' }>;

interface Exchange {
  session: HttpSession;
  startedAt: number;
  bytesIn: number;
  bytesOut: number;
  status: number;
  /** The client's own Connection header (the upstream's is hop-by-hop). */
  connection: string | undefined;
  error?: string | undefined;
}

const CALLBACK_LAST_SEGMENT = CALLBACK_PATH.slice(CALLBACK_PATH.lastIndexOf('/') + 1);
const UNAUTHENTICATED = 'authentication required: log in, or send Authorization: Bearer <token>';

export class HttpSocketFront {
  readonly #options: HttpSocketOptions;
  readonly #log: Logger;
  readonly #routes = new WeakMap<Duplex, Route>();
  readonly #exchanges = new WeakMap<IncomingMessage, Exchange>();
  readonly #servers: Server[] = [];
  readonly #tlsServer: Server;
  readonly #agents: UpstreamAgents;
  readonly #proxy = createProxyServer({ xfwd: false, ws: true });
  readonly sessions: HttpSessions;

  constructor(options: HttpSocketOptions) {
    this.#options = options;
    this.#log = options.log.child({ part: 'http' });
    this.#agents = new UpstreamAgents(options.ctx.tunnels);
    this.sessions = new HttpSessions(options.ctx, options.sessions);
    this.#tlsServer = this.#server();
    this.#proxy.on('proxyRes', (upstream: IncomingMessage, request: IncomingMessage) => {
      const exchange = this.#exchanges.get(request);
      if (!exchange) return;
      exchange.status = upstream.statusCode ?? 0;
      // Hop by hop: whether the client's connection stays open is between the client and the proxy.
      delete upstream.headers['keep-alive'];
      upstream.headers.connection = /\bclose\b/i.test(exchange.connection ?? '') ? 'close' : 'keep-alive';
      // The upstream cannot set or clear the proxy's own cookie.
      const cookies = upstream.headers['set-cookie'];
      if (cookies) {
        upstream.headers['set-cookie'] = cookies.filter((c) => c.split('=', 1)[0]?.trim() !== SESSION_COOKIE);
      }
      upstream.on('data', (chunk: Buffer) => {
        exchange.bytesOut += chunk.length;
      });
    });
    this.#proxy.on('proxyReqWs', (proxyRequest, request: IncomingMessage, client: Duplex) => {
      const exchange = this.#exchanges.get(request);
      if (!exchange) return;
      // This runs before http-proxy-3 joins the two sockets: listening for their data here would start them
      // flowing early and lose what arrived with the upgrade. Bytes are counted as they are written instead.
      proxyRequest.on('upgrade', (_response, upstream: Duplex) => {
        exchange.status = 101;
        countWrites(upstream, (bytes) => {
          exchange.bytesIn += bytes;
        });
        countWrites(client, (bytes) => {
          exchange.bytesOut += bytes;
        });
      });
    });
  }

  #server(): Server {
    const server = createServer({ requestTimeout: 0 }, (request, response) => {
      this.#request(request, response).catch((error: unknown) => {
        this.#log.warn({ err: error }, 'request failed');
        sendAnswer(request, response, failure('the proxy could not handle this request'));
      });
    });
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.#upgrade(request, socket, head).catch((error: unknown) => {
        this.#log.warn({ err: error }, 'upgrade failed');
        sendAnswerOnSocket(request, socket, failure('the proxy could not handle this request'));
      });
    });
    server.on('clientError', (_error, socket: Duplex) => {
      if (!socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    });
    this.#servers.push(server);
    return server;
  }

  /** A client connection from the gateway whose SNI named an HTTP socket. */
  acceptTls(tls: TLSSocket, lookup: SocketLookup): void {
    this.#routes.set(tls, { lookup, proto: 'https' });
    this.#tlsServer.emit('connection', tls);
  }

  /** Listens for plain HTTP on loopback (`border0 start`); resolves with the port. */
  listenLoopback(port: number, host = '127.0.0.1'): Promise<number> {
    const server = this.#server();
    server.on('connection', (socket: Socket) => this.#routes.set(socket, { proto: 'http' }));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  }

  async close(): Promise<void> {
    for (const server of this.#servers) {
      server.close();
      server.closeAllConnections();
    }
    this.#agents.close();
    await this.sessions.close();
  }

  /** The socket a request is for: the SNI's (with a Host that agrees), or on loopback the Host's. */
  async #target(
    request: IncomingMessage,
  ): Promise<{ lookup: SocketLookup; route: Route; host: string } | ProxyAnswer> {
    const route = this.#routes.get(request.socket) ?? { proto: 'http' };
    const host = String(request.headers.host ?? '').toLowerCase();
    const hostname = host.replace(/:\d+$/, '');
    if (route.lookup) {
      if (hostname !== route.lookup.socket.dnsname.toLowerCase()) {
        return answer(
          421,
          'Misdirected request',
          'misdirected-request',
          'the Host header does not name this socket',
        );
      }
      return { lookup: route.lookup, route, host };
    }
    const suffix = '.localhost';
    const label = hostname.endsWith(suffix) ? hostname.slice(0, -suffix.length) : undefined;
    const lookup =
      label && !label.includes('.')
        ? await this.#options.directory.find(`${label}.${this.#options.baseDomain}`)
        : undefined;
    // An ssh socket answers only its terminal's WebSocket (see #upgrade).
    if (lookup?.socket.socket_type !== 'http' && lookup?.socket.socket_type !== 'ssh') {
      return answer(
        404,
        'No such socket',
        'no-such-socket',
        'ask for http://<socket>-<organization>.localhost:<port>/ naming an HTTP socket',
      );
    }
    return { lookup, route, host };
  }

  async #request(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = await this.#target(request);
    if (!('lookup' in target)) return sendAnswer(request, response, target);
    const { lookup, route, host } = target;
    if (lookup.socket.socket_type !== 'http') {
      return sendAnswer(
        request,
        response,
        answer(
          404,
          'Not here',
          'not-http',
          'an ssh socket: use an SSH client, or the terminal in the portal',
        ),
      );
    }
    const url = () => new URL(request.url ?? '/', `${route.proto}://${host}`);
    // Parsed only when it may be the callback (its last segment is in any spelling of it): most requests
    // are not, and a URL per request is measurable.
    if (request.url?.includes(CALLBACK_LAST_SEGMENT) && url().pathname === CALLBACK_PATH) {
      return this.#callback(request, response, lookup, route, url());
    }
    const credential = requestCredential(request.headers);
    const admitted = await this.#admit(request, lookup, credential);
    if ('status' in admitted) {
      if (admitted.status === 401 && isBrowserNavigation(request)) {
        response.writeHead(302, {
          location: loginRedirect(this.#options.loginPage, url().toString()),
          'cache-control': 'no-store',
          ...(credential &&
            'web_session_token' in credential && {
              'set-cookie': clearedSessionCookie(route.proto === 'https'),
            }),
        });
        return void response.end();
      }
      return sendAnswer(request, response, admitted);
    }
    const { session, identity, identityToken } = admitted;
    const upstream = lookup.socket.upstream_configuration as HttpUpstream;
    const exchange: Exchange = {
      session,
      startedAt: performance.now(),
      bytesIn: 0,
      bytesOut: 0,
      status: 0,
      connection: request.headers.connection,
    };
    this.#exchanges.set(request, exchange);
    const done = session.begin(request.socket);
    request.on('data', (chunk: Buffer) => {
      exchange.bytesIn += chunk.length;
    });
    response.once('close', () =>
      done({
        startedAt: exchange.startedAt,
        method: request.method ?? '',
        path: request.url ?? '',
        status: exchange.status || (response.headersSent ? response.statusCode : 0),
        bytesIn: exchange.bytesIn,
        bytesOut: exchange.bytesOut,
        error: exchange.error,
      }),
    );
    request.headers = this.#headers(
      request,
      route,
      host,
      upstream,
      identity,
      identityToken,
      credential,
      false,
    );
    this.#proxy.web(request, response, this.#proxyOptions(lookup, upstream), (error: Error) => {
      exchange.error = upstreamFailure(error);
      exchange.status = 502;
      sendAnswer(request, response, upstreamAnswer(error, exchange.error));
    });
  }

  async #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = await this.#target(request);
    if (!('lookup' in target)) return sendAnswerOnSocket(request, socket, target);
    const { lookup, route, host } = target;
    if (lookup.socket.socket_type === 'ssh') {
      const path = new URL(request.url ?? '/', 'http://terminal.invalid').pathname;
      if (path !== WEB_TERMINAL_PATH || !this.#options.terminals) {
        return sendAnswerOnSocket(
          request,
          socket,
          answer(
            404,
            'Not here',
            'not-http',
            `an ssh socket answers WebSockets at ${WEB_TERMINAL_PATH} only`,
          ),
        );
      }
      return this.#options.terminals.accept(request, socket, head, lookup);
    }
    const credential = requestCredential(request.headers);
    const admitted = await this.#admit(request, lookup, credential);
    if ('status' in admitted) return sendAnswerOnSocket(request, socket, admitted);
    const { session, identity, identityToken } = admitted;
    const upstream = lookup.socket.upstream_configuration as HttpUpstream;
    const exchange: Exchange = {
      session,
      startedAt: performance.now(),
      bytesIn: 0,
      bytesOut: 0,
      status: 0,
      connection: request.headers.connection,
    };
    this.#exchanges.set(request, exchange);
    const done = session.begin(socket);
    socket.once('close', () =>
      done({
        startedAt: exchange.startedAt,
        method: request.method ?? '',
        path: request.url ?? '',
        status: exchange.status,
        bytesIn: exchange.bytesIn,
        bytesOut: exchange.bytesOut,
        upgrade: true,
        error: exchange.error,
      }),
    );
    request.headers = this.#headers(
      request,
      route,
      host,
      upstream,
      identity,
      identityToken,
      credential,
      true,
    );
    this.#proxy.ws(request, socket, head, this.#proxyOptions(lookup, upstream), (error: Error) => {
      exchange.error = upstreamFailure(error);
      if (exchange.status === 0) {
        exchange.status = 502;
        sendAnswerOnSocket(request, socket, upstreamAnswer(error, exchange.error));
      } else socket.destroy();
    });
  }

  #proxyOptions(lookup: SocketLookup, upstream: HttpUpstream) {
    return this.#agents.routeFor(lookup.socket.dnsname, upstream);
  }

  #headers(
    request: IncomingMessage,
    route: Route,
    host: string,
    upstream: HttpUpstream,
    identity: ClientIdentity,
    identityToken: string,
    credential: HttpCredential | undefined,
    upgrade: boolean,
  ) {
    const defaultPort = upstream.scheme === 'https' ? 443 : 80;
    return upstreamHeaders({
      headers: request.headers,
      host:
        upstream.host_header ??
        (upstream.port === defaultPort ? upstream.hostname : `${upstream.hostname}:${upstream.port}`),
      extra: upstream.headers,
      clientAddress: request.socket.remoteAddress ?? '',
      proto: route.proto,
      requestedHost: host,
      email: identity.email,
      serviceAccount: identity.service_account,
      identityToken,
      bearer: credential !== undefined && 'bearer_token' in credential,
      upgrade,
    });
  }

  /** Who is asking and whether policy lets them in now: the session, or the answer to send instead. */
  async #admit(
    request: IncomingMessage,
    lookup: SocketLookup,
    credential: HttpCredential | undefined,
  ): Promise<{ session: HttpSession; identity: ClientIdentity; identityToken: string } | ProxyAnswer> {
    const unauthenticated = answer(401, 'Log in to continue', 'unauthenticated', UNAUTHENTICATED, {
      'www-authenticate': 'Bearer',
    });
    if (!credential) return unauthenticated;
    const found = await this.#options.identities.identify(lookup.socket.dnsname, credential);
    if (found === 'not-http')
      return answer(404, 'No such socket', 'no-such-socket', 'this is not an HTTP socket');
    if (
      found === 'invalid' ||
      found.organization_id !== lookup.organization.id ||
      found.socket_id !== lookup.socket.id
    ) {
      return {
        ...unauthenticated,
        detail: 'the token or login session is not valid (or has expired): log in again',
      };
    }
    const email = found.user_email?.toLowerCase();
    const identity: ClientIdentity = {
      ...(email && { email }),
      ...(found.service_account && { service_account: found.service_account }),
      organization: lookup.organization.name,
      label: email ?? `service account ${found.service_account}`,
    };
    const ip = request.socket.remoteAddress ?? '0.0.0.0';
    // The country only when policy is decided (not while a decision is cached).
    const origin = () => ({
      ip,
      port: request.socket.remotePort ?? 0,
      country: this.#options.geo.country(ip),
    });
    const admission = await this.sessions.admit(lookup, identity, ip, origin);
    if ('refused' in admission) {
      return answer(
        403,
        'Access denied',
        'access-denied',
        `${identity.label} may not use ${lookup.socket.name}: ${admission.refused}`,
      );
    }
    return { session: admission.session, identity, identityToken: found.identity_token };
  }

  async #callback(
    request: IncomingMessage,
    response: ServerResponse,
    lookup: SocketLookup,
    route: Route,
    url: URL,
  ): Promise<void> {
    const code = url.searchParams.get('code');
    const returnTo = safeReturnPath(url.searchParams.get('return_to'));
    const session = code
      ? await this.#options.identities.exchangeCode(code, lookup.socket.dnsname)
      : undefined;
    if (!session) {
      return sendAnswer(
        request,
        response,
        answer(
          401,
          'Login not completed',
          'login-failed',
          'the login code is not valid or was already used: open the page again to log in',
        ),
      );
    }
    response.writeHead(302, {
      location: returnTo,
      'set-cookie': sessionCookieHeader(
        session.web_session_token,
        new Date(session.expires_at),
        route.proto === 'https',
      ),
      'cache-control': 'no-store',
    });
    response.end();
  }
}

function answer(
  status: number,
  title: string,
  type: string,
  detail: string,
  headers?: Record<string, string>,
): ProxyAnswer {
  return { status, title, type, detail, headers };
}

function failure(detail: string): ProxyAnswer {
  return answer(502, 'Proxy error', 'proxy-error', detail);
}

/** Calls `count` with the size of everything written to `stream` from now on. */
function countWrites(stream: Duplex, count: (bytes: number) => void): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    count(typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).length);
    return write(chunk, ...rest);
  }) as Duplex['write'];
}

/** The 502 page for an upstream that could not be reached, or whose certificate was refused. */
function upstreamAnswer(error: Error, detail: string): ProxyAnswer {
  return error instanceof UpstreamTlsError
    ? answer(502, 'Upstream certificate refused', 'upstream-tls-failed', detail)
    : answer(502, 'Upstream unreachable', 'upstream-unreachable', detail);
}

function upstreamFailure(error: Error): string {
  if (error instanceof TunnelError || error instanceof UpstreamTlsError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  return `the upstream did not answer (${code ?? error.message})`;
}
