/**
 * An ssh socket: the proxy is the SSH server the client talks to (inside its mTLS connection, so the client
 * is already identified) and an SSH client of the upstream. Every channel is decided on its own (shell, exec
 * with its command, sftp, port forwarding, the login name), bridged faithfully (pty, window changes, env,
 * signals, exit status, the agent when a policy allows) and, when the socket records, recorded as asciicast.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { statusLine } from '@border0/protocol';
import type { AccessAction } from '@border0/sdk/policy';
import ssh2 from 'ssh2';
import { startTerminalRecording, type TerminalRecording } from '../recording/terminal-recording.js';
import type { AdmittedClient, ConnectionContext } from '../session/client-admission.js';
import { SessionReport } from '../session/session-report.js';
import { processTunnelHostKey } from '../tunnel/host-key.js';
import { TunnelError } from '../tunnel/tunnel-error.js';
import { ClientAgent } from './agent-forwarding.js';
import { endChannel } from './channel-bridge.js';
import type { SshAction, SshChannelHost } from './channel-host.js';
import { serveForwarding } from './forwarding-channel.js';
import { serveSessionChannel } from './session-channel.js';
import { connectUpstream, type UpstreamConnection, UpstreamError } from './upstream-connection.js';

/** After an end is decided, the client gets this long to read why before the connection goes. */
const GOODBYE_MS = 300;

export async function carrySshSession(ctx: ConnectionContext, admitted: AdmittedClient): Promise<void> {
  const { tls, lookup } = admitted;
  let { log } = admitted;
  // The session opens once the client has logged in over SSH (the gateway's login deadline runs until then):
  // a connection that never gets there leaves no session behind. Channels, and every use of these, come after.
  let sessionId = '';
  let report!: SessionReport;
  let opening: Promise<void> | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const upstreamConfig = lookup.socket.upstream_configuration as {
    username_provider?: string;
    username?: string;
  };
  const clientPicksLogin = upstreamConfig.username_provider === 'prompt_client';
  /** The name the upstream session runs as: the client's pick, or the socket's own. */
  const upstreamLogin = () => (clientPicksLogin ? loginName : upstreamConfig.username);
  const openStreams = new Set<ssh2.ServerChannel>();
  const recordings = new Set<TerminalRecording>();
  let loginName: string | undefined;
  /** Why this client may do nothing here (a login name no policy allows); set once. */
  let refused: string | undefined;
  let endReason: string | undefined;
  let upstream: Promise<UpstreamConnection> | undefined;
  let clientConnection: ssh2.Connection | undefined;

  const decide = (request: SshAction) =>
    admitted.decide({
      type: 'ssh',
      ...request,
      ...(clientPicksLogin && loginName !== undefined && { username: loginName }),
    } as AccessAction);

  /** Ends the whole connection, telling every open channel why. */
  const end = (reason: string) => {
    // Once the client is gone there is nobody to tell (the upstream closing then is our own doing).
    if (endReason !== undefined || tls.destroyed) return;
    endReason = reason;
    log.info({ reason }, 'ending session');
    for (const stream of openStreams) endChannel(stream, 255, reason, { interrupts: true });
    setTimeout(() => tls.destroy(), GOODBYE_MS).unref();
  };
  const openSession = async () => {
    const opened = await admitted.openSession();
    ({ id: sessionId, log } = opened);
    report = new SessionReport(ctx.client, sessionId, log, () => ({
      bytesIn: tls.bytesRead,
      bytesOut: tls.bytesWritten,
    }));
    ctx.sessions.add({
      id: sessionId,
      organizationId: lookup.organization.id,
      stillAllowed: async () => (await decide({ kind: 'connect' })).allowed,
      end: (reason) => end(`session ended: ${reason}`),
    });
    const maxSeconds = admitted.decision.permissions?.max_session_duration_seconds;
    if (maxSeconds !== null && maxSeconds !== undefined) {
      deadline = setTimeout(
        () => end(`the maximum session duration (${maxSeconds} s) was reached`),
        maxSeconds * 1000,
      );
      deadline.unref();
    }
    log.info({ identity: admitted.identity.label }, 'session started');
  };

  tls.once('close', () => {
    void upstream?.then((connection) => connection.ssh.end()).catch(() => {});
    if (!opening) return log.debug('closed before logging in over SSH: no session');
    void opening.then(
      () => {
        clearTimeout(deadline);
        ctx.sessions.remove(sessionId);
        const result = endReason
          ? { result: 'terminated' as const, reason: endReason }
          : refused
            ? { result: 'denied' as const, reason: refused }
            : {};
        // The session ends after its recordings: whoever sees it ended finds them complete.
        void Promise.allSettled([...recordings].map((recording) => recording.close())).then(() =>
          report.end(result),
        );
        log.info({ bytesIn: tls.bytesRead, bytesOut: tls.bytesWritten }, 'session ended');
      },
      () => {},
    );
  });

  /** The upstream connection, made once per client connection and shared by its channels. */
  const connectOnce = () => {
    if (upstream) return upstream;
    upstream = (async () => {
      let channel: Duplex;
      try {
        channel = await ctx.tunnels.openChannel(lookup.socket.dnsname, admitted.origin);
      } catch (error) {
        throw new UpstreamError(
          error instanceof TunnelError ? error.message : 'the connector could not be reached',
        );
      }
      const connection = await connectUpstream({
        client: ctx.client,
        sessionId,
        loginName: loginName ?? '',
        channel,
        // Asked again at every use: an upstream may keep asking after the policy changed.
        agent:
          clientConnection &&
          new ClientAgent(clientConnection, async () => (await decide({ kind: 'agent_forwarding' })).allowed),
      });
      connection.ssh.on('error', (error) => log.warn({ err: error }, 'upstream connection error'));
      // The client left while this connection was being made: nobody will use it.
      if (tls.destroyed) connection.ssh.end();
      connection.ssh.once('close', () => end('the upstream closed the connection'));
      if (connection.hostKeyTrust === 'first_use') log.info('upstream host key trusted on first use');
      return connection;
    })();
    upstream.catch((error: Error) => {
      report.event('ssh.upstream_failed', { reason: error.message });
      log.warn({ err: error }, 'upstream not reached');
    });
    return upstream;
  };

  const record = (pty: ssh2.PseudoTtyInfo | undefined, command?: string) =>
    startTerminalRecording(
      ctx.client,
      sessionId,
      {
        width: pty?.cols || 80,
        height: pty?.rows || 24,
        env: { TERM: pty?.term ?? 'xterm', SHELL: '/bin/sh' },
        ...(command !== undefined && { command }),
        title: `${admitted.identity.label} on ${lookup.socket.name}`,
      },
      log,
      { recordsInput: lookup.socket.recording_input_enabled },
    ).catch((error: unknown) => {
      log.warn({ err: error }, 'recording could not start; the channel goes on unrecorded');
      return undefined;
    });

  const host: SshChannelHost = {
    get log() {
      return log;
    },
    get report() {
      return report;
    },
    get refusal() {
      return refused;
    },
    get clientGone() {
      return tls.destroyed;
    },
    get upstreamLogin() {
      return upstreamLogin();
    },
    records: lookup.socket.recording_enabled,
    decide,
    connectUpstream: connectOnce,
    startRecording: async (pty, command) => {
      const recording = await record(pty, command);
      if (recording) recordings.add(recording);
      return recording;
    },
    track: (stream) => {
      openStreams.add(stream);
      stream.once('close', () => openStreams.delete(stream));
    },
  };

  const server = new ssh2.Server(
    { hostKeys: [processTunnelHostKey()], ident: 'Border0', keepaliveInterval: 15_000, keepaliveCountMax: 3 },
    (connection) => {
      clientConnection = connection;
      connection.on('error', (error: Error) => log.debug({ err: error }, 'client ssh error'));
      connection.on('close', () => tls.destroy());
      connection.on('authentication', (auth) => {
        // The client is already identified by its certificate: any method is accepted, and the name it
        // asked for is the login name (which the policies judge when the socket lets the client pick it).
        // The session is open before the client hears it is logged in, so every channel finds it.
        if (loginName === undefined) loginName = auth.username;
        opening ??= openSession();
        opening.then(
          () => {
            if (!tls.destroyed) auth.accept();
          },
          (error: unknown) => {
            log.warn({ err: error }, 'the session could not be opened');
            tls.destroy();
          },
        );
      });
      connection.once('ready', () => {
        (async () => {
          if (clientPicksLogin) {
            const decision = await decide({ kind: 'connect' });
            if (!decision.allowed) {
              refused = decision.reason;
              report.event('ssh.denied', { kind: 'login', login_name: loginName, reason: refused });
              return;
            }
          }
          // Connect while the client opens its channel: the handshakes overlap.
          connectOnce().catch(() => {});
        })().catch((error: unknown) => log.warn({ err: error }, 'login check failed'));
      });
      connection.on('session', (accept) => serveSessionChannel(host, accept));
      connection.on('tcpip', (accept, reject, info) => serveForwarding(host, accept, reject, info));
      // Remote forwarding (-R) and other global requests: not carried.
      connection.on('request', (_accept, reject) => reject?.());
    },
  );
  server.on('error', (error: Error) => log.debug({ err: error }, 'client ssh error'));
  // Admitted, but no session yet (it opens at the SSH login): the status line carries no session id.
  if (admitted.banner) tls.write(statusLine(true, ''));
  server.injectSocket(tls as unknown as Socket);
}
