/**
 * One client connection of an ssh socket: the SSH server the client logs in to (inside its mTLS connection, so
 * it is already identified) and the SSH client of the upstream, as a state machine with named hooks that the
 * ssh socket plugs into. Its channels are served by their own modules (session-channel.ts, forwarding-channel.ts).
 */
import type { Logger } from 'pino';
import type ssh2 from 'ssh2';
import type { TerminalRecording } from '../recording/terminal-recording.js';
import type { AdmittedClient, ConnectionContext } from '../session/client-admission.js';
import type { SessionEnd, SessionReport } from '../session/session-report.js';
import { ClientAgent } from './agent-forwarding.js';
import { endChannel } from './channel-bridge.js';
import type { SshChannelHost } from './channel-host.js';
import { serveForwarding } from './forwarding-channel.js';
import { serveSessionChannel } from './session-channel.js';
import { SshLogin } from './ssh-login.js';
import { connectUpstream, openUpstreamChannel, type UpstreamConnection } from './upstream-connection.js';

/** After an end is decided, the client gets this long to read why before the connection goes. */
const GOODBYE_MS = 300;

/**
 *   authenticating → upstream → serving → closing → closed
 *                  ↘ refused ↗
 *
 * `authenticating` until the login name is judged; `refused` when no policy allows it (each channel is told
 * why); `upstream` while the upstream connection is made (channels opened meanwhile wait for it, and are told
 * why if it fails); `closing` once an end is decided; `closed` once the client connection is gone, from any.
 */
export type SshSessionState = 'authenticating' | 'refused' | 'upstream' | 'serving' | 'closing' | 'closed';

/** The session as the proxy knows it once it is open: reported, and named in the logs. */
export interface OpenedSshSession {
  id: string;
  log: Logger;
  report: SessionReport;
}

export interface SshSessionHooks {
  /**
   * Fires at the client's first SSH authentication request, before the client hears it is logged in: the
   * session opens here (a connection that never gets there leaves none behind).
   */
  onLogin(session: SshSession): Promise<OpenedSshSession>;
  /** Fires when a shell or command is about to start on a socket that records: the recorder plugs in here. */
  onTerminal(pty: ssh2.PseudoTtyInfo | undefined, command?: string): Promise<TerminalRecording | undefined>;
  /** Fires once, when the client connection is gone after the session opened: its end is reported here. */
  onClose(session: SshSession, end: SessionEnd): void;
}

export class SshSession implements SshChannelHost {
  readonly login: SshLogin;
  readonly records: boolean;
  #state: SshSessionState = 'authenticating';
  #opening: Promise<void> | undefined;
  #opened: OpenedSshSession | undefined;
  #endReason: string | undefined;
  #agent: ClientAgent | undefined;
  #upstream: Promise<UpstreamConnection> | undefined;
  readonly #channels = new Set<ssh2.ServerChannel>();

  constructor(
    readonly ctx: ConnectionContext,
    readonly admitted: AdmittedClient,
    readonly hooks: SshSessionHooks,
  ) {
    this.login = new SshLogin(admitted.lookup.socket.upstream_configuration, admitted.decide);
    this.records = admitted.lookup.socket.recording_enabled;
    admitted.tls.once('close', () => this.#close());
  }

  get state(): SshSessionState {
    return this.#state;
  }

  /** The session's id, once it is open. */
  get id(): string {
    return this.#opened?.id ?? '';
  }

  get log(): Logger {
    return this.#opened?.log ?? this.admitted.log;
  }

  /** Channels come after the login, so the session is open for every use of this. */
  get report(): SessionReport {
    return this.#opened!.report;
  }

  get clientGone(): boolean {
    return this.admitted.tls.destroyed;
  }

  /** Takes over the SSH connection ssh2 built on the client's TLS connection. */
  attach(client: ssh2.Connection): void {
    // An upstream may keep asking for the agent after the policy changed: it is asked at every use.
    const mayForward = async () => (await this.login.decide({ kind: 'agent_forwarding' })).allowed;
    this.#agent = new ClientAgent(client, mayForward);
    client.on('error', (error: Error) => this.log.debug({ err: error }, 'client ssh error'));
    client.on('close', () => this.admitted.tls.destroy());
    client.on('authentication', (auth) => this.#authenticate(auth));
    client.once('ready', () => void this.#judgeLogin());
    client.on('session', (accept) => serveSessionChannel(this, accept));
    client.on('tcpip', (accept, reject, info) => serveForwarding(this, accept, reject, info));
    // Remote forwarding (-R) and other global requests: not carried.
    client.on('request', (_accept, reject) => reject?.());
  }

  /** Ends the whole connection, telling every open channel why. */
  end(reason: string): void {
    // Once the client is gone there is nobody to tell (the upstream closing then is our own doing).
    if (this.#endReason !== undefined || this.clientGone) return;
    this.#endReason = reason;
    this.#state = 'closing';
    this.log.info({ reason }, 'ending session');
    for (const stream of this.#channels) endChannel(stream, 255, reason, { interrupts: true });
    setTimeout(() => this.admitted.tls.destroy(), GOODBYE_MS).unref();
  }

  track(stream: ssh2.ServerChannel): void {
    this.#channels.add(stream);
    stream.once('close', () => this.#channels.delete(stream));
  }

  connectUpstream(): Promise<UpstreamConnection> {
    if (this.#upstream) return this.#upstream;
    if (this.#state === 'authenticating') this.#state = 'upstream';
    this.#upstream = this.#connect();
    this.#upstream.catch((error: Error) => {
      this.report.event('ssh.upstream_failed', { reason: error.message });
      this.log.warn({ err: error }, 'upstream not reached');
    });
    return this.#upstream;
  }

  startRecording(pty: ssh2.PseudoTtyInfo | undefined, command?: string) {
    return this.hooks.onTerminal(pty, command);
  }

  #authenticate(auth: ssh2.AuthContext): void {
    // The client is already identified by its certificate: any method is accepted, and the name it asked for
    // is the login name (which the policies judge when the socket lets the client pick it). The session is
    // open before the client hears it is logged in, so every channel finds it.
    this.login.ask(auth.username);
    this.#opening ??= this.hooks.onLogin(this).then((opened) => {
      this.#opened = opened;
    });
    this.#opening.then(
      () => {
        if (!this.clientGone) auth.accept();
      },
      (error: unknown) => {
        this.log.warn({ err: error }, 'the session could not be opened');
        this.admitted.tls.destroy();
      },
    );
  }

  async #judgeLogin(): Promise<void> {
    try {
      const refusal = await this.login.judge();
      if (refusal !== undefined) {
        if (this.#state === 'authenticating' || this.#state === 'upstream') this.#state = 'refused';
        this.report.event('ssh.denied', { kind: 'login', login_name: this.login.asked, reason: refusal });
        return;
      }
      // Connect while the client opens its channel: the handshakes overlap.
      this.connectUpstream().catch(() => {});
    } catch (error) {
      this.log.warn({ err: error }, 'login check failed');
    }
  }

  async #connect(): Promise<UpstreamConnection> {
    const { ctx, admitted } = this;
    const channel = await openUpstreamChannel(ctx.tunnels, admitted.lookup.socket.dnsname, admitted.origin);
    const connection = await connectUpstream({
      client: ctx.client,
      sessionId: this.id,
      loginName: this.login.asked ?? '',
      channel,
      dnsname: admitted.lookup.socket.dnsname,
      secrets: ctx.tunnels,
      agent: this.#agent,
    });
    connection.ssh.on('error', (error) => this.log.warn({ err: error }, 'upstream connection error'));
    // The client left while this connection was being made: nobody will use it.
    if (this.clientGone) connection.ssh.end();
    connection.ssh.once('close', () => this.end('the upstream closed the connection'));
    if (connection.hostKeyTrust === 'first_use') this.log.info('upstream host key trusted on first use');
    if (this.#state === 'upstream') this.#state = 'serving';
    return connection;
  }

  /** The client connection is gone: the upstream goes too, and the session's end is reported. */
  #close(): void {
    this.#state = 'closed';
    void this.#upstream?.then((connection) => connection.ssh.end()).catch(() => {});
    if (!this.#opening) {
      this.log.debug('closed before logging in over SSH: no session');
      return;
    }
    this.#opening.then(
      () => this.hooks.onClose(this, this.#result()),
      () => {},
    );
  }

  /** How the session ended, for its report: ended by the proxy, refused its login name, or just closed. */
  #result(): SessionEnd {
    if (this.#endReason) return { result: 'terminated', reason: this.#endReason };
    return this.login.refusal ? { result: 'denied', reason: this.login.refusal } : {};
  }
}
