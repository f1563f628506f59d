/**
 * An ssh socket: the proxy is the SSH server the client talks to (inside its mTLS connection, so the client
 * is already identified) and an SSH client of the upstream. Every channel is decided on its own (shell, exec
 * with its command, sftp, port forwarding, the login name), bridged faithfully (pty, window changes, env,
 * signals, exit status, the agent when a policy allows) and, when the socket records, recorded as asciicast.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { statusLine } from '@border0/protocol';
import type { AccessAction, Decision } from '@border0/sdk/policy';
import ssh2 from 'ssh2';
import { startTerminalRecording, type TerminalRecording } from '../recording/terminal-recording.js';
import type { AdmittedClient, ConnectionContext } from '../session/client-admission.js';
import { SessionReport } from '../session/session-report.js';
import { processTunnelHostKey } from '../tunnel/host-key.js';
import { TunnelError } from '../tunnel/tunnel-error.js';
import { ClientAgent } from './agent-forwarding.js';
import { SftpOperationParser } from './sftp-operations.js';
import { connectUpstream, type UpstreamConnection, UpstreamError } from './upstream-connection.js';

/** After an end is decided, the client gets this long to read why before the connection goes. */
const GOODBYE_MS = 300;

type Kind = 'shell' | 'exec' | 'sftp';
/** An ssh action as a channel asks it; the login name is added when the socket lets the client pick it. */
type SshAction = AccessAction extends infer A
  ? A extends { type: 'ssh' }
    ? Omit<A, 'type' | 'username'>
    : never
  : never;

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
    for (const stream of openStreams) {
      stream.stderr.write(`\r\nborder0: ${reason}\r\n`);
      stream.exit(255);
      stream.end();
    }
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

  /** Runs an accepted session channel's shell, command or subsystem, once decided. */
  const run = async (stream: ssh2.ServerChannel, kind: Kind, state: ChannelState, command?: string) => {
    openStreams.add(stream);
    let gone = false;
    stream.once('close', () => {
      gone = true;
      openStreams.delete(stream);
    });
    /** The client may close the channel, or the connection, while a decision or a connection is pending. */
    const abandoned = () => gone || tls.destroyed;
    const deny = (reason: string) => {
      report.event('ssh.denied', { kind, ...(command !== undefined && { command }), reason });
      stream.stderr.write(`border0: ${reason}\r\n`);
      stream.exit(1);
      stream.end();
    };
    if (refused) return deny(refused);
    const decision: Decision =
      kind === 'exec' ? await decide({ kind, command: command ?? '' }) : await decide({ kind });
    if (abandoned()) return;
    if (!decision.allowed) return deny(decision.reason);
    report.event(`ssh.${kind}`, {
      login_name: upstreamLogin(),
      ...(command !== undefined && { command }),
      ...(state.pty && { pty: `${state.pty.cols}x${state.pty.rows}` }),
    });

    let connection: UpstreamConnection;
    try {
      connection = await connectOnce();
    } catch (error) {
      stream.stderr.write(`border0: ${(error as Error).message}\r\n`);
      stream.exit(255);
      stream.end();
      return;
    }
    const window = state.pty && {
      rows: state.pty.rows,
      cols: state.pty.cols,
      height: state.pty.height,
      width: state.pty.width,
      term: state.pty.term,
      modes: state.pty.modes,
    };
    if (abandoned()) return;
    // Before the upstream channel opens: its first output and its exit must find the bridge in place.
    const recording =
      lookup.socket.recording_enabled && kind !== 'sftp' ? await record(state, command) : undefined;
    if (recording) recordings.add(recording);
    if (abandoned()) {
      void recording?.close();
      return;
    }
    const opened = await new Promise<ssh2.ClientChannel | Error>((resolve) => {
      // The bridge is attached in the callback itself, before any of the channel's events can fire.
      const done = (error: Error | undefined, channel: ssh2.ClientChannel) => {
        if (error) return resolve(error);
        if (kind === 'sftp') recordSftpOperations(stream, report);
        bridge(stream, channel, recording);
        resolve(channel);
      };
      // ssh2 throws at once when the upstream went away meanwhile.
      try {
        const agentForward = state.agent === true;
        if (kind === 'shell')
          connection.ssh.shell(window ?? false, { env: state.env, agentForward } as never, done);
        else if (kind === 'exec')
          connection.ssh.exec(
            command ?? '',
            { env: state.env, pty: window ?? undefined, agentForward } as never,
            done,
          );
        else connection.ssh.subsys('sftp', done);
      } catch (error) {
        resolve(error as Error);
      }
    });
    if (opened instanceof Error) {
      void recording?.close();
      stream.stderr.write(`border0: the upstream refused the ${kind}: ${opened.message}\r\n`);
      stream.exit(255);
      stream.end();
      return;
    }
    state.upstream = opened;
    state.recording = recording;
  };

  /** A channel that fails unexpectedly closes alone: never the proxy, nor the other channels. */
  const runSafely = (
    stream: ssh2.ServerChannel | undefined,
    kind: Kind,
    state: ChannelState,
    command?: string,
  ) => {
    // ssh2 accepts one shell, command or subsystem per channel; a second request gets no stream.
    if (!stream) return;
    run(stream, kind, state, command).catch((error: unknown) => {
      log.warn({ err: error, kind }, 'channel failed');
      stream.close();
    });
  };

  const record = (state: ChannelState, command?: string) =>
    startTerminalRecording(
      ctx.client,
      sessionId,
      {
        width: state.pty?.cols || 80,
        height: state.pty?.rows || 24,
        env: { TERM: state.pty?.term ?? 'xterm', SHELL: '/bin/sh' },
        ...(command !== undefined && { command }),
        title: `${admitted.identity.label} on ${lookup.socket.name}`,
      },
      log,
      { recordsInput: lookup.socket.recording_input_enabled },
    ).catch((error: unknown) => {
      log.warn({ err: error }, 'recording could not start; the channel goes on unrecorded');
      return undefined;
    });

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
      connection.on('session', (accept) => {
        const stream = accept();
        const state: ChannelState = { env: {} };
        stream.on('pty', (ok, _no, info) => {
          state.pty = info;
          ok?.();
        });
        stream.on('env', (ok, _no, info) => {
          state.env[info.key] = info.val;
          ok?.();
        });
        stream.on('window-change', (ok, _no, info) => {
          if (state.pty) Object.assign(state.pty, { cols: info.cols, rows: info.rows });
          state.upstream?.setWindow(info.rows, info.cols, info.height, info.width);
          state.recording?.writer.resize(info.cols, info.rows);
          ok?.();
        });
        stream.on('signal', (ok, no, info) => {
          // ssh2 throws on a signal name outside RFC 4254's list: refuse it rather than drop the connection.
          try {
            state.upstream?.signal(info.name);
            ok?.();
          } catch {
            no?.();
          }
        });
        // The upstream may then use the person's keys (through the client, one request at a time): only
        // when a policy says so.
        stream.on('auth-agent', (ok, no) => {
          (async () => {
            const decision = refused
              ? { allowed: false, reason: refused }
              : await decide({ kind: 'agent_forwarding' });
            if (!decision.allowed) {
              report.event('ssh.denied', { kind: 'agent_forwarding', reason: decision.reason });
              return no?.();
            }
            state.agent = true;
            report.event('ssh.agent_forwarding', {});
            ok?.();
          })().catch(() => no?.());
        });
        stream.on('x11', (_ok, no) => no?.());
        stream.on('shell', (ok) => runSafely(ok(), 'shell', state));
        stream.on('exec', (ok, _no, info) => runSafely(ok(), 'exec', state, info.command));
        stream.on('subsystem', (ok, no, info) => {
          if (info.name === 'sftp') runSafely(ok(), 'sftp', state);
          else no?.();
        });
      });
      connection.on('tcpip', (accept, reject, info) => {
        (async () => {
          const destination = { destination_address: info.destIP, destination_port: info.destPort };
          const decision = refused
            ? { allowed: false, reason: refused }
            : await decide({ kind: 'tcp_forwarding', ...destination });
          if (!decision.allowed) {
            report.event('ssh.denied', { kind: 'tcp_forwarding', ...destination, reason: decision.reason });
            return reject();
          }
          const connection = await connectOnce().catch(() => undefined);
          if (!connection) return reject();
          connection.ssh.forwardOut(info.srcIP, info.srcPort, info.destIP, info.destPort, (error, up) => {
            if (error) {
              report.event('ssh.tcp_forwarding_failed', { ...destination, reason: error.message });
              return reject();
            }
            report.event('ssh.tcp_forwarding', destination);
            const down = accept();
            down.pipe(up).pipe(down);
            down.on('error', () => up.destroy());
            up.on('error', () => down.destroy());
          });
        })().catch((error: unknown) => {
          log.warn({ err: error }, 'forwarding failed');
          reject?.();
        });
      });
      // Remote forwarding (-R) and other global requests: not carried.
      connection.on('request', (_accept, reject) => reject?.());
    },
  );
  server.on('error', (error: Error) => log.debug({ err: error }, 'client ssh error'));
  // Admitted, but no session yet (it opens at the SSH login): the status line carries no session id.
  if (admitted.banner) tls.write(statusLine(true, ''));
  server.injectSocket(tls as unknown as Socket);
}

/** File operations of an sftp channel become session events: what the client asked the server to do. */
function recordSftpOperations(stream: ssh2.ServerChannel, report: SessionReport) {
  const parser = new SftpOperationParser();
  stream.on('data', (chunk: Buffer) => {
    for (const { op, requestId: _id, ...details } of parser.push(chunk))
      report.event(`ssh.sftp.${op}`, details);
  });
}

interface ChannelState {
  pty?: ssh2.PseudoTtyInfo;
  /** The client asked to forward its agent on this channel, and a policy allows it. */
  agent?: boolean;
  env: Record<string, string>;
  upstream?: ssh2.ClientChannel;
  recording?: TerminalRecording | undefined;
}

/**
 * Carries one channel both ways with backpressure: input to the upstream (its end is the client's EOF), output
 * and errors back (recorded), then the exit status or signal, then the close.
 */
function bridge(
  stream: ssh2.ServerChannel,
  upstream: ssh2.ClientChannel,
  recording: TerminalRecording | undefined,
) {
  let exit: { code: number } | { signal: string; dump: boolean; description: string } | undefined;
  stream.pipe(upstream);
  upstream.pipe(stream, { end: false });
  upstream.stderr.pipe(stream.stderr, { end: false });
  if (recording) {
    upstream.on('data', (data: Buffer) => recording.writer.output(data));
    upstream.stderr.on('data', (data: Buffer) => recording.writer.output(data));
    // What the client typed, echoed or not (`stty -echo`, or `ssh host bash` reading commands without a pty).
    if (recording.recordsInput) stream.on('data', (data: Buffer) => recording.writer.input(data));
  }
  upstream.on('exit', (code: number | null, signal?: string, dump?: boolean, description?: string) => {
    exit =
      code !== null
        ? { code }
        : { signal: signal ?? 'SIGKILL', dump: dump ?? false, description: description ?? '' };
  });
  upstream.once('close', () => {
    try {
      if (exit && 'code' in exit) stream.exit(exit.code);
      else if (exit) stream.exit(exit.signal, exit.dump, exit.description);
    } catch {
      // ssh2 refuses signal names outside RFC 4254 (sshd's SIGBUS@openssh.com...): the shell's convention.
      stream.exit(255);
    }
    stream.end();
    void recording?.close();
  });
  stream.once('close', () => {
    upstream.close();
    void recording?.close();
  });
  stream.on('error', () => upstream.close());
  upstream.on('error', () => stream.close());
}
