/**
 * The proxy's end of connector tunnels: accepts tunnel streams handed over by the gateway, runs the SSH
 * server side on each, keeps the registry of which tunnels serve which socket, and opens channels through
 * them for client connections.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  DATA_LINE_LIMIT,
  FramedStream,
  readJsonLine,
  SECRET_ANSWER_LIMIT,
  SECRET_CHANNEL_ORIGIN,
  writeJsonLine,
} from '@border0/protocol';
import { pino } from 'pino';
import ssh2 from 'ssh2';
import { DataConnections } from './data-connections.js';
import { processTunnelHostKey } from './host-key.js';
import { TunnelChannel } from './tunnel-channel.js';
import {
  type AuthenticateConnector,
  type ChannelOrigin,
  connectorTokenKey,
  TunnelConnection,
  type TunnelLogger,
} from './tunnel-connection.js';
import { TunnelError } from './tunnel-error.js';
import { TunnelRegistry } from './tunnel-registry.js';

/** A live, authenticated tunnel as the gateway sees it (for status reporting). */
export interface TunnelInfo {
  tunnelId: string;
  connectorId: string;
  organizationId: string;
  remoteAddress?: string;
  connectedAt: Date;
  /** Socket dnsnames the connector forwards through this tunnel. */
  sockets: string[];
}

export interface TunnelServerOptions {
  /** Checks a connector token; see {@link AuthenticateConnector}. */
  authenticateConnector: AuthenticateConnector;
  /** SSH host private key; default: an ed25519 key generated once per process. */
  hostKey?: string | Buffer;
  /** Interval of SSH keepalives to the connector; with keepaliveCountMax 2, a dead peer is cut within ~15 s. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** A tunnel not authenticated within this time is closed (default 10 s). */
  handshakeTimeoutMs?: number;
  /** How long to wait for a connector to accept a channel (default 10 s). */
  channelOpenTimeoutMs?: number;
  /**
   * How long a client connection waits for a data connection when a burst took every idle one (default
   * 2 s); then it goes through an SSH channel of the tunnel instead.
   */
  dataConnectionWaitMs?: number;
  log?: TunnelLogger;
  /** Fires when a connector's tunnel is authenticated and usable. */
  onTunnelUp?: (tunnel: TunnelInfo) => void;
  /** Fires when an authenticated tunnel is gone; it has already left the registry. */
  onTunnelDown?: (tunnel: TunnelInfo, reason?: Error) => void;
}

/**
 * @example
 * const tunnels = new TunnelServer({ authenticateConnector: (token) => sdk.connectors.authenticate(token) });
 * tlsServer.on('secureConnection', (socket) => {
 *   if (socket.alpnProtocol === TUNNEL_ALPN) tunnels.accept(socket);
 * });
 * const channel = await tunnels.openChannel('db-acme.border0.test', { address: '203.0.113.9', port: 51234 });
 */
export class TunnelServer {
  readonly #options: TunnelServerOptions;
  readonly #log: TunnelLogger;
  readonly #hostKey: string | Buffer;
  readonly #registry = new TunnelRegistry<TunnelConnection>();
  readonly #connections = new Set<TunnelConnection>();
  readonly #data = new DataConnections();
  #closed = false;

  constructor(options: TunnelServerOptions) {
    this.#options = options;
    this.#log = options.log ?? pino({ level: 'silent' });
    this.#hostKey = options.hostKey ?? processTunnelHostKey();
    // ssh2 wants the key as text per server; parse it once here so that a bad key fails at start, not later.
    const parsed = ssh2.utils.parseKey(this.#hostKey);
    if (parsed instanceof Error) throw new Error(`invalid tunnel host key: ${parsed.message}`);
  }

  /**
   * Takes over a stream whose peer is a connector (e.g. a TLSSocket whose ALPN was `border0-tunnel`). The
   * server owns it from here: it is destroyed when the tunnel ends. Never throws on bad input.
   */
  accept(stream: Duplex, remote?: { address?: string; port?: number }): TunnelConnection {
    const socketLike = stream as Partial<Socket>;
    const tunnel = new TunnelConnection(
      stream,
      {
        id: randomUUID(),
        authenticateConnector: this.#options.authenticateConnector,
        handshakeTimeoutMs: this.#options.handshakeTimeoutMs ?? 10_000,
        maxAuthAttempts: 3,
        log: this.#log,
        remote: remote ?? { address: socketLike.remoteAddress, port: socketLike.remotePort },
      },
      {
        onAuthenticated: (t) => this.#onAuthenticated(t),
        onForward: (t, dnsname) => this.#registry.add(dnsname, t),
        onUnforward: (t, dnsname) => this.#registry.remove(dnsname, t),
        onClose: (t, reason) => this.#onClose(t, reason),
      },
    );
    if (this.#closed) {
      tunnel.close(new Error('tunnel server closed'));
      return tunnel;
    }
    this.#connections.add(tunnel);
    // ssh2's Server is used only as a factory for one incoming connection: one per stream lets us know
    // which stream a connection belongs to without reaching into ssh2's internals.
    const sshServer = new ssh2.Server(
      {
        hostKeys: [this.#hostKey],
        keepaliveInterval: this.#options.keepaliveIntervalMs ?? 5_000,
        keepaliveCountMax: this.#options.keepaliveCountMax ?? 2,
      },
      (client) => tunnel.attach(client),
    );
    sshServer.on('error', (error: Error) => tunnel.close(error));
    sshServer.injectSocket(stream as Socket);
    return tunnel;
  }

  /**
   * Takes over a data connection of a connector (a TLSSocket whose ALPN was `border0-data`): its hello must
   * name the token of a tunnel that is up, else it is closed. `loggedIn` fires once it is accepted.
   */
  async acceptData(stream: Duplex, loggedIn?: () => void): Promise<void> {
    stream.on('error', () => stream.destroy());
    let hello: Record<string, unknown>;
    try {
      hello = await readJsonLine(stream, DATA_LINE_LIMIT, this.#options.handshakeTimeoutMs ?? 10_000);
    } catch {
      stream.destroy();
      return;
    }
    const key = typeof hello.token === 'string' ? connectorTokenKey(hello.token) : undefined;
    const tunnelUp = [...this.#connections].some((t) => t.state === 'ready' && t.tokenKey === key);
    if (this.#closed || !key || !tunnelUp) {
      this.#log.debug('data connection refused: no tunnel of its token is up');
      stream.destroy();
      return;
    }
    loggedIn?.();
    this.#data.offer(key, stream);
  }

  /**
   * Opens a channel to the upstream of socket `dnsname` through one of the tunnels serving it (round-robin),
   * for a client at `origin`: a data connection of that connector when it offers them, else an SSH channel
   * of the tunnel. Rejects with a {@link TunnelError}: `no-tunnel`, `channel-refused` (the connector could
   * not reach the upstream; the message carries its reason), `channel-timeout`.
   */
  async openChannel(dnsname: string, origin: ChannelOrigin): Promise<Duplex> {
    if (this.#closed) throw new TunnelError('server-closed', 'tunnel server is closed');
    const tunnel = this.#registry.pick(dnsname.toLowerCase());
    if (!tunnel) throw new TunnelError('no-tunnel', `no connector is serving socket ${dnsname}`);
    const timeoutMs = this.#options.channelOpenTimeoutMs ?? 10_000;
    const data = tunnel.tokenKey
      ? await this.#data.take(tunnel.tokenKey, this.#options.dataConnectionWaitMs ?? 2_000)
      : undefined;
    if (data) {
      writeJsonLine(data, { dnsname, origin });
      const answer = await readJsonLine(data, DATA_LINE_LIMIT, timeoutMs).catch((error: Error) => {
        data.destroy();
        throw new TunnelError(
          'channel-timeout',
          `connector did not open a channel to ${dnsname}: ${error.message}`,
        );
      });
      // Frames carry each direction's end on its own, as an SSH channel does (see FramedStream).
      if (answer.ok === true) return new FramedStream(data);
      data.destroy();
      const reason = typeof answer.error === 'string' ? answer.error : 'no reason given';
      throw new TunnelError('channel-refused', `connector refused channel to ${dnsname}: ${reason}`);
    }
    let timer: NodeJS.Timeout | undefined;
    const opening = tunnel.openChannel(dnsname, origin);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TunnelError('channel-timeout', `connector did not open a channel to ${dnsname}`)),
        timeoutMs,
      );
    });
    try {
      return new TunnelChannel(await Promise.race([opening, timeout]));
    } catch (error) {
      // A channel that opens after we gave up must not leak.
      opening.then((late) => late.close()).catch(() => {});
      if (error instanceof TunnelError) throw error;
      const reason =
        error instanceof Error ? error.message.replace(/^\(SSH\) Channel open failure: /, '') : '';
      throw new TunnelError('channel-refused', `connector refused channel to ${dnsname}: ${reason}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Asks a connector serving `dnsname` for the secret that `reference` names (`${from:env:…}`, `${from:file:…}`);
   * the connector answers only for references configured on that socket. Rejects with a {@link TunnelError}
   * (`secret-unresolved` carries the connector's reason).
   */
  async resolveSecret(dnsname: string, reference: string): Promise<string> {
    const channel = await this.openChannel(dnsname, { address: SECRET_CHANNEL_ORIGIN, port: 0 });
    try {
      const answer = readJsonLine(channel, SECRET_ANSWER_LIMIT, this.#options.channelOpenTimeoutMs ?? 10_000);
      writeJsonLine(channel, { reference });
      const { value, error } = await answer.catch((failure: Error) => {
        throw new TunnelError('secret-unresolved', `the connector did not answer: ${failure.message}`);
      });
      if (typeof value === 'string') return value;
      throw new TunnelError(
        'secret-unresolved',
        `the connector cannot resolve ${reference}: ${typeof error === 'string' ? error : 'no reason given'}`,
      );
    } finally {
      channel.destroy();
    }
  }

  /** Idle data connections of the connectors whose tunnels are up (for status and tests). */
  idleDataConnections(): number {
    const keys = new Set([...this.#connections].map((t) => t.tokenKey));
    return [...keys].reduce((sum, key) => sum + (key ? this.#data.idle(key) : 0), 0);
  }

  /** Whether at least one tunnel currently serves `dnsname`. */
  serves(dnsname: string): boolean {
    return this.#registry.count(dnsname.toLowerCase()) > 0;
  }

  /** Live authenticated tunnels. */
  tunnels(): TunnelInfo[] {
    return [...this.#connections].filter((t) => t.state === 'ready').map(toInfo);
  }

  /**
   * Cuts every tunnel of a connector (it was deleted), or only those opened with one token (it was revoked);
   * returns how many were cut.
   */
  disconnectConnector(
    connectorId: string,
    reason = 'connector disconnected by the proxy',
    tokenId?: string | null,
  ): number {
    const doomed = [...this.#connections].filter(
      (t) => t.grant?.connectorId === connectorId && (!tokenId || t.grant.tokenId === tokenId),
    );
    for (const tunnel of doomed) tunnel.close(new Error(reason));
    return doomed.length;
  }

  /** Closes every tunnel and refuses new ones. */
  close(): void {
    this.#closed = true;
    // Each tunnel's end drops its connector's data connections.
    for (const tunnel of [...this.#connections]) tunnel.close(new Error('tunnel server closed'));
  }

  #onAuthenticated(tunnel: TunnelConnection): void {
    const info = toInfo(tunnel);
    this.#log.info({ tunnel: info.tunnelId, connectorId: info.connectorId }, 'tunnel up');
    this.#options.onTunnelUp?.(info);
  }

  #onClose(tunnel: TunnelConnection, reason?: Error): void {
    const wasUp = tunnel.connectedAt !== undefined && tunnel.grant !== undefined;
    const info = wasUp ? toInfo(tunnel) : undefined;
    this.#registry.removeTunnel(tunnel);
    this.#connections.delete(tunnel);
    const key = tunnel.tokenKey;
    if (key && ![...this.#connections].some((t) => t.tokenKey === key)) this.#data.drop(key);
    if (!info) {
      this.#log.debug({ tunnel: tunnel.id, err: reason }, 'tunnel closed before authentication');
      return;
    }
    this.#log.info({ tunnel: info.tunnelId, connectorId: info.connectorId, err: reason }, 'tunnel down');
    this.#options.onTunnelDown?.(info, reason);
  }
}

function toInfo(tunnel: TunnelConnection): TunnelInfo {
  return {
    tunnelId: tunnel.id,
    connectorId: tunnel.grant?.connectorId ?? '',
    organizationId: tunnel.grant?.organizationId ?? '',
    remoteAddress: tunnel.remote.address,
    connectedAt: tunnel.connectedAt ?? new Date(0),
    sockets: tunnel.sockets,
  };
}
