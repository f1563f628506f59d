/**
 * What a channel of an ssh socket needs of its SSH session: the policy's decisions for this client, the
 * session's report, the shared upstream connection, recordings, and a word when the whole session ends.
 * Each channel kind (session-channel.ts and its shell, exec and sftp kinds, forwarding-channel.ts,
 * agent-forwarding.ts) is written against this, never against the session's internals.
 */
import type { Logger } from 'pino';
import type ssh2 from 'ssh2';
import type { TerminalRecording } from '../recording/terminal-recording.js';
import type { SessionReport } from '../session/session-report.js';
import type { SshLogin } from './ssh-login.js';
import type { UpstreamConnection } from './upstream-connection.js';

export interface SshChannelHost {
  /** The session's logger (it names the session once one is open). */
  readonly log: Logger;
  /** Where the session's events go; there is one from the SSH login on, before any channel. */
  readonly report: SessionReport;
  /** True once the client connection is going or gone: nobody is left to serve. */
  readonly clientGone: boolean;
  /** The client's login: the policies' decisions for it, and its refusal once judged. */
  readonly login: SshLogin;
  /** The upstream connection, made once per client connection and shared by its channels. */
  connectUpstream(): Promise<UpstreamConnection>;
  /** Whether the socket records terminals (shells and commands; their input too if it says so). */
  readonly records: boolean;
  /** Starts a terminal recording (undefined when it cannot start: the channel goes on unrecorded). */
  startRecording(
    pty: ssh2.PseudoTtyInfo | undefined,
    command?: string,
  ): Promise<TerminalRecording | undefined>;
  /** Keeps a running channel in sight until it closes: it is told why if the whole session ends. */
  track(stream: ssh2.ServerChannel): void;
}
