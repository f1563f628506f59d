/**
 * A session channel (RFC 4254 section 6): the client sets it up (terminal, environment, agent) and then asks
 * for one shell, command or subsystem, which is decided on its own and run on the upstream by its kind
 * (shell-channel.ts, exec-channel.ts, sftp-channel.ts).
 */
import type ssh2 from 'ssh2';
import type { TerminalRecording } from '../recording/terminal-recording.js';
import { allowAgentForwarding } from './agent-forwarding.js';
import { bridgeChannel, endChannel } from './channel-bridge.js';
import type { SshChannelHost } from './channel-host.js';
import { execChannel } from './exec-channel.js';
import { sftpChannel } from './sftp-channel.js';
import { followTerminal, shellChannel, terminalWindow } from './shell-channel.js';
import type { SshAction } from './ssh-login.js';

/** A session channel as the client set it up and, once it runs, its upstream side. */
export interface SessionChannelState {
  pty?: ssh2.PseudoTtyInfo;
  /** The client asked to forward its agent on this channel, and a policy allows it. */
  agent?: boolean;
  env: Record<string, string>;
  upstream?: ssh2.ClientChannel;
  recording?: TerminalRecording | undefined;
}

/** What the upstream is asked for, as the client set its channel up. */
export interface UpstreamChannelRequest {
  window: ssh2.PseudoTtyOptions | undefined;
  env: Record<string, string>;
  agentForward: boolean;
}

/** One kind of session channel: what the policy decides, what is recorded, and how it opens upstream. */
export interface SessionChannelKind {
  readonly kind: 'shell' | 'exec' | 'sftp';
  /** The command, for an exec: decided, reported and recorded exactly as the upstream runs it. */
  readonly command?: string;
  /** Whether its terminal is recorded when the socket records. */
  readonly recorded: boolean;
  readonly action: SshAction;
  /** Opens the upstream side; `done` is called before any of the channel's events can fire. */
  open(
    upstream: ssh2.Client,
    request: UpstreamChannelRequest,
    done: (error: Error | undefined, channel: ssh2.ClientChannel) => void,
  ): void;
  /** Watches what the client sends, from before the bridge carries it. */
  watch?(stream: ssh2.ServerChannel, host: SshChannelHost): void;
}

/** Accepts a session channel and serves the requests made on it. */
export function serveSessionChannel(host: SshChannelHost, accept: ssh2.AcceptConnection<ssh2.Session>): void {
  const channel = accept();
  const state: SessionChannelState = { env: {} };
  followTerminal(channel, state);
  channel.on('env', (ok, _no, info) => {
    state.env[info.key] = info.val;
    ok?.();
  });
  channel.on('signal', (ok, no, info) => {
    // ssh2 throws on a signal name outside RFC 4254's list: refuse it rather than drop the connection.
    try {
      state.upstream?.signal(info.name);
      ok?.();
    } catch {
      no?.();
    }
  });
  channel.on('auth-agent', (ok, no) => allowAgentForwarding(host, state, ok, no));
  channel.on('x11', (_ok, no) => no?.());
  channel.on('shell', (ok) => runSafely(host, ok(), state, shellChannel));
  channel.on('exec', (ok, _no, info) => runSafely(host, ok(), state, execChannel(info.command)));
  channel.on('subsystem', (ok, no, info) => {
    if (info.name === 'sftp') runSafely(host, ok(), state, sftpChannel);
    else no?.();
  });
}

/** A channel that fails unexpectedly closes alone: never the proxy, nor the other channels. */
function runSafely(
  host: SshChannelHost,
  stream: ssh2.ServerChannel | undefined,
  state: SessionChannelState,
  kind: SessionChannelKind,
): void {
  // ssh2 accepts one shell, command or subsystem per channel; a second request gets no stream.
  if (!stream) return;
  run(host, stream, state, kind).catch((error: unknown) => {
    host.log.warn({ err: error, kind: kind.kind }, 'channel failed');
    stream.close();
  });
}

/** Runs an accepted channel's shell, command or subsystem, once decided. */
async function run(
  host: SshChannelHost,
  stream: ssh2.ServerChannel,
  state: SessionChannelState,
  kind: SessionChannelKind,
): Promise<void> {
  const { command } = kind;
  host.track(stream);
  let gone = false;
  stream.once('close', () => {
    gone = true;
  });
  /** The client may close the channel, or the connection, while a decision or a connection is pending. */
  const abandoned = () => gone || host.clientGone;
  const deny = (reason: string) => {
    host.report.event('ssh.denied', { kind: kind.kind, ...(command !== undefined && { command }), reason });
    endChannel(stream, 1, reason);
  };
  if (host.login.refusal) return deny(host.login.refusal);
  const decision = await host.login.decide(kind.action);
  if (abandoned()) return;
  if (!decision.allowed) return deny(decision.reason);
  host.report.event(`ssh.${kind.kind}`, {
    login_name: host.login.upstream,
    ...(command !== undefined && { command }),
    ...(state.pty && { pty: `${state.pty.cols}x${state.pty.rows}` }),
  });

  let connection: Awaited<ReturnType<SshChannelHost['connectUpstream']>>;
  try {
    connection = await host.connectUpstream();
  } catch (error) {
    return endChannel(stream, 255, (error as Error).message);
  }
  const window = terminalWindow(state.pty);
  if (abandoned()) return;
  // Before the upstream channel opens: its first output and its exit must find the bridge in place.
  const recording = host.records && kind.recorded ? await host.startRecording(state.pty, command) : undefined;
  if (abandoned()) {
    void recording?.close();
    return;
  }
  const opened = await new Promise<ssh2.ClientChannel | Error>((resolve) => {
    // The bridge is attached in the callback itself, before any of the channel's events can fire.
    const done = (error: Error | undefined, channel: ssh2.ClientChannel) => {
      if (error) return resolve(error);
      kind.watch?.(stream, host);
      bridgeChannel(stream, channel, recording);
      resolve(channel);
    };
    // ssh2 throws at once when the upstream went away meanwhile.
    try {
      kind.open(connection.ssh, { window, env: state.env, agentForward: state.agent === true }, done);
    } catch (error) {
      resolve(error as Error);
    }
  });
  if (opened instanceof Error) {
    void recording?.close();
    return endChannel(stream, 255, `the upstream refused the ${kind.kind}: ${opened.message}`);
  }
  state.upstream = opened;
  state.recording = recording;
}
