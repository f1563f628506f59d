/**
 * One connector's tunnel, on the proxy side: an SSH server connection over a duplex (usually a TLS socket
 * whose ALPN was `border0-tunnel`), as a state machine
 *
 *   handshake → authenticating → ready → closed
 *
 * with named hooks the tunnel server plugs into. It is transport-agnostic: anything that is a Duplex works,
 * which is how the tests drive it over an in-memory pair.
 */
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { CONNECTOR_USERNAME, VIRTUAL_FORWARD_PORT } from '@border0/protocol';
import type { Logger } from 'pino';
import type { AuthContext, Connection, ServerChannel } from 'ssh2';

/** What the control plane says about a connector token: who it is and which sockets it may serve. */
export interface ConnectorGrant {
  connectorId: string;
  organizationId: string;
  /** The token presented, when the control plane names it: revoking it cuts this tunnel. */
  tokenId?: string | undefined;
  sockets: ReadonlyArray<{ id: string; dnsname: string }>;
}

/** Checks a connector token; undefined means refused. In production it asks the control plane via the SDK. */
export type AuthenticateConnector = (token: string) => Promise<ConnectorGrant | undefined>;

export type TunnelState = 'handshake' | 'authenticating' | 'ready' | 'closed';

export type TunnelLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Where a client connection comes from; passed to the connector as the channel's origin. */
export interface ChannelOrigin {
  address: string;
  port: number;
}

export interface TunnelConnectionHooks {
  /** Fires when the connector's token was accepted, before it asks for any forward. */
  onAuthenticated?(tunnel: TunnelConnection): void;
  /** Fires when the connector starts serving a socket it was granted; the registry records it here. */
  onForward?(tunnel: TunnelConnection, dnsname: string): void;
  /** Fires when the connector stops serving a socket (cancel-tcpip-forward) while the tunnel stays up. */
  onUnforward?(tunnel: TunnelConnection, dnsname: string): void;
  /** Fires once, when the tunnel is gone for any reason; the registry forgets it here, at once. */
  onClose?(tunnel: TunnelConnection, reason?: Error): void;
}

export interface TunnelConnectionOptions {
  id: string;
  authenticateConnector: AuthenticateConnector;
  /** Closes a tunnel that is not authenticated by then; guards against stalled or truncated handshakes. */
  handshakeTimeoutMs: number;
  /** Password attempts per connection before it is cut: a token is not guessed on one connection. */
  maxAuthAttempts: number;
  log: TunnelLogger;
  remote?: { address?: string; port?: number };
}

export class TunnelConnection {
  readonly id: string;
  readonly remote: { address?: string; port?: number };
  #state: TunnelState = 'handshake';
  #grant: ConnectorGrant | undefined;
  #token: string | undefined;
  #tokenKey: string | undefined;
  #client: Connection | undefined;
  #connectedAt: Date | undefined;
  #authAttempts = 0;
  /** Forwards by lower-case dnsname (DNS names are case-insensitive), as the connector spelled them. */
  readonly #forwards = new Map<string, { bindAddr: string; port: number }>();
  readonly #handshakeTimer: NodeJS.Timeout;

  constructor(
    readonly stream: Duplex,
    readonly options: TunnelConnectionOptions,
    readonly hooks: TunnelConnectionHooks,
  ) {
    this.id = options.id;
    this.remote = options.remote ?? {};
    this.#handshakeTimer = setTimeout(
      () => this.close(new Error('tunnel handshake timed out')),
      options.handshakeTimeoutMs,
    );
    // A stream error before ssh2 took it over (or a peer that just hangs up) must not crash the process.
    stream.on('error', (error: Error) => this.close(error));
    stream.once('close', () => this.close());
    stream.once('end', () => this.close());
    // ssh2 ends our side on a protocol error (garbage, bad identification line): the tunnel is over then.
    stream.once('finish', () => this.close(new Error('SSH protocol error or disconnect')));
  }

  get state(): TunnelState {
    return this.#state;
  }

  get grant(): ConnectorGrant | undefined {
    return this.#grant;
  }

  /** The SHA-256 of the connector token this tunnel logged in with: its data connections present the same. */
  get tokenKey(): string | undefined {
    return this.#tokenKey;
  }

  get connectedAt(): Date | undefined {
    return this.#connectedAt;
  }

  /** Sockets this tunnel currently forwards. */
  get sockets(): string[] {
    return [...this.#forwards.keys()];
  }

  /** Takes over the SSH connection ssh2 built on our stream, once the peer's identification line arrived. */
  attach(client: Connection): void {
    this.#client = client;
    if (this.#state === 'closed') {
      client.end();
      return;
    }
    client.on('error', (error: Error) => this.close(error));
    client.on('close', () => this.close());
    client.on('authentication', (context) => void this.#authenticate(context));
    client.on('ready', () => this.#onReady());
    client.on('request', (accept, reject, name, info) => {
      if (name === 'tcpip-forward') void this.#forward(info.bindAddr, info.bindPort, accept, reject);
      else if (name === 'cancel-tcpip-forward') this.#unforward(info.bindAddr, accept, reject);
      else reject?.();
    });
    // Sessions (shells), direct-tcpip and everything else are refused by ssh2 itself: no listener, no service.
  }

  /** Asks the connector for a channel to the upstream of `dnsname`, on behalf of a client at `origin`. */
  openChannel(dnsname: string, origin: ChannelOrigin): Promise<ServerChannel> {
    const client = this.#client;
    const forward = this.#forwards.get(dnsname.toLowerCase());
    if (this.#state !== 'ready' || !client || forward === undefined) {
      return Promise.reject(new Error(`tunnel ${this.id} does not serve ${dnsname}`));
    }
    return new Promise((resolve, reject) => {
      // The connector matches channels to its forwards by the exact address and port it asked for.
      client.forwardOut(forward.bindAddr, forward.port, origin.address, origin.port, (error, channel) =>
        error ? reject(error) : resolve(channel),
      );
    });
  }

  /** Ends the tunnel (idempotent); the hooks learn why. */
  close(reason?: Error): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#handshakeTimer);
    // The hook runs first so that the registry forgets this tunnel before anything else can pick it.
    this.hooks.onClose?.(this, reason);
    this.#forwards.clear();
    this.#client?.end();
    this.stream.destroy();
  }

  async #authenticate(context: AuthContext): Promise<void> {
    if (context.method !== 'password' || context.username !== CONNECTOR_USERNAME) {
      context.reject(['password']);
      return;
    }
    this.#authAttempts += 1;
    if (this.#authAttempts > this.options.maxAuthAttempts) {
      context.reject();
      this.close(new Error('too many authentication attempts'));
      return;
    }
    this.#state = 'authenticating';
    let grant: ConnectorGrant | undefined;
    try {
      grant = await this.options.authenticateConnector(context.password);
    } catch (error) {
      this.options.log.error(
        { err: error, tunnel: this.id },
        'connector authentication failed with an error',
      );
    }
    // The tunnel may have closed while the control plane was answering.
    if (this.state === 'closed') return;
    if (!grant) {
      this.options.log.warn({ tunnel: this.id, remote: this.remote }, 'connector token refused');
      this.#state = 'handshake';
      context.reject(['password']);
      return;
    }
    this.#grant = grant;
    // Kept to re-check grants when a forward asks for a socket created after the tunnel came up.
    this.#token = context.password;
    this.#tokenKey = connectorTokenKey(context.password);
    context.accept();
  }

  #onReady(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#handshakeTimer);
    this.#state = 'ready';
    this.#connectedAt = new Date();
    this.hooks.onAuthenticated?.(this);
  }

  async #forward(
    dnsname: string,
    bindPort: number,
    accept: ((port?: number) => void) | undefined,
    reject: (() => void) | undefined,
  ): Promise<void> {
    if (!(await this.#isGranted(dnsname))) {
      this.options.log.warn(
        { tunnel: this.id, connectorId: this.#grant?.connectorId, socket: dnsname },
        'forward refused: socket not granted to this connector',
      );
      reject?.();
      return;
    }
    if (this.#state !== 'ready') return;
    const port = bindPort === 0 ? VIRTUAL_FORWARD_PORT : bindPort;
    this.#forwards.set(dnsname.toLowerCase(), { bindAddr: dnsname, port });
    accept?.(port);
    this.hooks.onForward?.(this, dnsname.toLowerCase());
  }

  #unforward(dnsname: string, accept: (() => void) | undefined, reject: (() => void) | undefined): void {
    if (!this.#forwards.delete(dnsname.toLowerCase())) {
      reject?.();
      return;
    }
    accept?.();
    this.hooks.onUnforward?.(this, dnsname.toLowerCase());
  }

  async #isGranted(dnsname: string): Promise<boolean> {
    const wanted = dnsname.toLowerCase();
    const listed = (grant: ConnectorGrant | undefined) =>
      grant?.sockets.some((s) => s.dnsname.toLowerCase() === wanted);
    if (listed(this.#grant)) return true;
    if (this.#token === undefined) return false;
    // The connector may serve a socket created after it connected: ask again before refusing.
    try {
      const fresh = await this.options.authenticateConnector(this.#token);
      if (!fresh) {
        this.close(new Error('connector token no longer valid'));
        return false;
      }
      if (fresh.connectorId === this.#grant?.connectorId) this.#grant = fresh;
      return Boolean(listed(fresh) && fresh?.connectorId === this.#grant?.connectorId);
    } catch {
      return false;
    }
  }
}

/** How a connector token is known on the proxy without being kept in the clear twice: its SHA-256. */
export function connectorTokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
