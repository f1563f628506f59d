/**
 * One connector's tunnel to one proxy: TLS (ALPN `border0-tunnel`, the proxy verified against the given CA)
 * carrying an SSH client that logs in with the connector token, asks a reverse forward per socket, and
 * dials the upstream for each channel the proxy opens. It reconnects forever with jittered backoff, so a
 * proxy restart heals by itself.
 *
 *   connecting → connected → (lost) → backoff → connecting …   close() → closed
 */
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { bridgeDuplex, CONNECTOR_USERNAME, SECRET_CHANNEL_ORIGIN, TUNNEL_ALPN } from '@border0/protocol';
import { Backoff, type BackoffOptions } from '@border0/sdk';
import { type Logger, pino } from 'pino';
import ssh2 from 'ssh2';
import { answerSecretRequest, type SecretReferencesOf } from '../secrets/secret-answer.js';
import { DataConnections } from './data-connections.js';
import { type ProxyEndpoint, proxyKey } from './proxy-endpoint.js';
import { dialUpstream, type ResolveUpstream, refuseChannel } from './upstream-dialer.js';

export type TunnelLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export type TunnelClientState = 'connecting' | 'connected' | 'backoff' | 'closed';

export interface TunnelStatus {
  /** The proxy's key: its id, or `host:port`. */
  proxy: string;
  state: TunnelClientState;
  /** The most recent failure, kept after recovery so that flapping shows. */
  lastError?: string;
  /** Failed attempts since the last successful connection. */
  failures: number;
  connectedAt?: Date;
  /** Sockets the proxy accepted forwards for, and those it refused (not granted to this connector). */
  forwarded: string[];
  refused: string[];
}

export interface TunnelClientOptions {
  proxy: ProxyEndpoint;
  /** The connector token, sent as the SSH password. */
  token: string;
  /** CA certificate(s) (PEM) the proxy's TLS certificate must chain to. */
  ca: string | Buffer | Array<string | Buffer>;
  /** Socket dnsnames to serve. */
  sockets: Iterable<string>;
  resolveUpstream: ResolveUpstream;
  /** The secret references configured on each socket: the only ones a proxy may have resolved. */
  secretReferences?: SecretReferencesOf;
  log?: TunnelLogger;
  /** Reconnect delays; the defaults: a first window of 250 ms, doubled up to 10 s. */
  backoff?: Partial<BackoffOptions>;
  /** SSH keepalives; with the defaults (5 s, 2) a dead proxy is noticed within ~15 s. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Limit for TLS + SSH handshake and login (default 10 s). */
  connectTimeoutMs?: number;
  /** Limit for dialing an upstream (default 10 s). */
  upstreamConnectTimeoutMs?: number;
  /** Idle data connections kept open to the proxy for client traffic (default 4; 0: SSH channels only). */
  dataConnections?: number;
  /** Fires on every change of status. */
  onStatus?: (status: TunnelStatus) => void;
}

interface Attempt {
  ssh: ssh2.Client;
  tls: tls.TLSSocket;
  live: boolean;
  data?: DataConnections;
}

/**
 * @example
 * const tunnel = new TunnelClient({ proxy: { host: 'proxy.example', port: 8443 }, token, ca, sockets: [dns],
 *   resolveUpstream: () => ({ host: '127.0.0.1', port: 5432 }) }).start();
 * await tunnel.close();
 */
export class TunnelClient {
  readonly #options: TunnelClientOptions;
  readonly #log: TunnelLogger;
  readonly #backoff: Backoff;
  #sockets: Set<string>;
  readonly #forwarded = new Set<string>();
  readonly #refused = new Set<string>();
  #state: TunnelClientState = 'connecting';
  #started = false;
  #lastError: string | undefined;
  #failures = 0;
  #connectedAt: Date | undefined;
  #attempt: Attempt | undefined;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: TunnelClientOptions) {
    this.#options = options;
    this.#log = options.log ?? pino({ level: 'silent' });
    this.#backoff = new Backoff(options.backoff);
    this.#sockets = new Set(options.sockets);
  }

  get status(): TunnelStatus {
    return {
      proxy: proxyKey(this.#options.proxy),
      state: this.#state,
      lastError: this.#lastError,
      failures: this.#failures,
      connectedAt: this.#state === 'connected' ? this.#connectedAt : undefined,
      forwarded: [...this.#forwarded],
      refused: [...this.#refused],
    };
  }

  /** Starts connecting (once); returns this. */
  start(): this {
    if (!this.#started && this.#state !== 'closed') {
      this.#started = true;
      this.#connect();
    }
    return this;
  }

  /** Changes the sockets served: new ones are forwarded, dropped ones cancelled, without a reconnect. */
  setSockets(dnsnames: Iterable<string>): void {
    const next = new Set(dnsnames);
    const added = [...next].filter((d) => !this.#sockets.has(d));
    const removed = [...this.#sockets].filter((d) => !next.has(d));
    this.#sockets = next;
    const attempt = this.#attempt;
    for (const dnsname of removed) {
      this.#refused.delete(dnsname);
      if (this.#forwarded.delete(dnsname) && attempt?.live) attempt.ssh.unforwardIn(dnsname, 0, () => {});
    }
    if (this.#state === 'connected' && attempt) void this.#requestForwards(attempt, added);
    if (added.length > 0 || removed.length > 0) this.#emitStatus();
  }

  /** Stops for good: ends the tunnel and any reconnect; resolves once the connection is closed. */
  async close(): Promise<void> {
    clearTimeout(this.#retryTimer);
    this.#setState('closed');
    const attempt = this.#attempt;
    if (!attempt) return;
    const closed = new Promise<void>((resolve) => {
      if (attempt.tls.closed) resolve();
      else attempt.tls.once('close', () => resolve());
    });
    this.#end(attempt);
    await closed;
  }

  #connect(): void {
    const { proxy, ca } = this.#options;
    this.#setState('connecting');
    this.#retryTimer = undefined;
    const socket = tls.connect({
      host: proxy.host,
      port: proxy.port,
      // SNI may not carry an IP address (RFC 6066 §3).
      servername: proxy.servername ?? (isIP(proxy.host) ? undefined : proxy.host),
      ca,
      ALPNProtocols: [TUNNEL_ALPN],
    });
    const attempt: Attempt = { ssh: new ssh2.Client(), tls: socket, live: true };
    this.#attempt = attempt;
    const lose = (error: Error) => this.#lose(attempt, error);
    const handshakeTimer = setTimeout(
      () => lose(new Error('timed out connecting to the proxy')),
      this.#options.connectTimeoutMs ?? 10_000,
    );
    socket.once('close', () => {
      clearTimeout(handshakeTimer);
      lose(new Error('connection to the proxy closed'));
    });
    socket.on('error', lose);
    socket.once('secureConnect', () => {
      if (socket.alpnProtocol !== TUNNEL_ALPN) {
        lose(new Error(`the proxy did not accept ALPN ${TUNNEL_ALPN}`));
        return;
      }
      socket.setNoDelay(true);
      attempt.ssh.connect({
        sock: socket,
        username: CONNECTOR_USERNAME,
        password: this.#options.token,
        keepaliveInterval: this.#options.keepaliveIntervalMs ?? 5_000,
        keepaliveCountMax: this.#options.keepaliveCountMax ?? 2,
        readyTimeout: this.#options.connectTimeoutMs ?? 10_000,
        // The proxy was authenticated by its TLS certificate; its SSH host key is per process and unpinned.
        hostVerifier: () => true,
      });
    });
    attempt.ssh.on('error', (error: Error & { level?: string }) =>
      lose(
        error.level === 'client-authentication' ? new Error('connector token refused by the proxy') : error,
      ),
    );
    attempt.ssh.on('close', () => lose(new Error('tunnel closed by the proxy')));
    attempt.ssh.on('tcp connection', (details, accept, reject) => {
      void this.#serve(attempt, details.destIP, details.srcIP, accept, (reason) =>
        refuseChannel(attempt.ssh, reject, reason),
      );
    });
    attempt.ssh.once('ready', () => {
      clearTimeout(handshakeTimer);
      this.#refused.clear();
      void this.#requestForwards(attempt, [...this.#sockets]).then(() => {
        if (!attempt.live || this.#state === 'closed') return;
        this.#failures = 0;
        this.#backoff.reset();
        this.#connectedAt = new Date();
        this.#log.info({ proxy: proxyKey(proxy), sockets: [...this.#forwarded] }, 'tunnel connected');
        this.#setState('connected');
        if ((this.#options.dataConnections ?? 4) > 0) {
          attempt.data = new DataConnections({
            proxy,
            ca,
            token: this.#options.token,
            idle: this.#options.dataConnections,
            serve: (dnsname, origin, accept, refuse) =>
              void this.#serve(attempt, dnsname, origin, accept, refuse),
            onError: (error) => this.#log.debug({ err: error }, 'data connection error'),
          });
          attempt.data.start();
        }
      });
    });
  }

  async #requestForwards(attempt: Attempt, dnsnames: string[]): Promise<void> {
    await Promise.all(
      dnsnames.map(
        (dnsname) =>
          new Promise<void>((resolve) => {
            try {
              attempt.ssh.forwardIn(dnsname, 0, (error) => {
                if (!this.#sockets.has(dnsname) || !attempt.live) return resolve();
                if (error) {
                  this.#refused.add(dnsname);
                  this.#log.warn(
                    { proxy: proxyKey(this.#options.proxy), socket: dnsname },
                    'forward refused',
                  );
                } else {
                  this.#refused.delete(dnsname);
                  this.#forwarded.add(dnsname);
                }
                resolve();
              });
            } catch {
              resolve(); // not connected any more; the reconnect asks again
            }
          }),
      ),
    );
    if (this.#state === 'connected') this.#emitStatus();
  }

  /** Serves a channel the proxy opened (an SSH channel or a data connection) for socket `dnsname`. */
  async #serve(
    attempt: Attempt,
    dnsname: string,
    origin: string,
    accept: () => Duplex,
    refuse: (reason: string) => void,
  ): Promise<void> {
    if (!this.#sockets.has(dnsname)) {
      refuse(`socket ${dnsname} is not served by this connector`);
      return;
    }
    if (origin === SECRET_CHANNEL_ORIGIN) {
      await answerSecretRequest(accept(), dnsname, this.#options.secretReferences ?? (() => undefined));
      return;
    }
    let upstream: Duplex;
    try {
      upstream = await dialUpstream(
        dnsname,
        this.#options.resolveUpstream,
        this.#options.upstreamConnectTimeoutMs ?? 10_000,
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#log.warn({ socket: dnsname, reason }, 'upstream dial failed; channel refused');
      if (attempt.live) refuse(reason);
      return;
    }
    if (!attempt.live) {
      upstream.destroy();
      return;
    }
    bridgeDuplex(accept(), upstream, (error) => {
      if (error) this.#log.debug({ socket: dnsname, err: error }, 'channel ended with an error');
    });
  }

  #lose(attempt: Attempt, error: Error): void {
    if (!attempt.live) return;
    this.#end(attempt);
    if (this.#attempt === attempt) this.#attempt = undefined;
    this.#forwarded.clear();
    if (this.#state === 'closed') return;
    this.#lastError = error.message;
    this.#failures += 1;
    const delay = this.#backoff.next();
    this.#log.warn(
      { proxy: proxyKey(this.#options.proxy), err: error.message, retryInMs: delay },
      'tunnel lost; reconnecting',
    );
    this.#setState('backoff');
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #end(attempt: Attempt): void {
    attempt.live = false;
    attempt.data?.stop();
    attempt.ssh.end();
    attempt.tls.destroy();
  }

  #setState(state: TunnelClientState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#emitStatus();
  }

  #emitStatus(): void {
    this.#options.onStatus?.(this.status);
  }
}
