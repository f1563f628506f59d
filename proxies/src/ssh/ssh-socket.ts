/**
 * An ssh socket: the proxy is the SSH server the client talks to and an SSH client of the upstream (see
 * SshSession). Every channel is decided on its own (shell, exec with its command, sftp, port forwarding, the
 * login name), bridged faithfully (pty, window changes, env, signals, exit status, the agent when a policy
 * allows) and, when the socket records, recorded as asciicast. This plugs the session into the proxy: its
 * report, the live sessions (revocation ends it), its maximum duration, the recorder; and ssh2's server onto
 * the client's TLS connection.
 */
import type { Socket } from 'node:net';
import { statusLine } from '@border0/protocol';
import ssh2 from 'ssh2';
import { startTerminalRecording, type TerminalRecording } from '../recording/terminal-recording.js';
import type { AdmittedClient, ConnectionContext } from '../session/client-admission.js';
import { SessionReport } from '../session/session-report.js';
import { processTunnelHostKey } from '../tunnel/host-key.js';
import { SshSession } from './ssh-session.js';

export async function carrySshSession(ctx: ConnectionContext, admitted: AdmittedClient): Promise<void> {
  const { tls, lookup } = admitted;
  let deadline: NodeJS.Timeout | undefined;
  const recordings = new Set<TerminalRecording>();

  const session: SshSession = new SshSession(ctx, admitted, {
    async onLogin() {
      const { id, log } = await admitted.openSession();
      const report = new SessionReport(ctx.client, id, log, () => ({
        bytesIn: tls.bytesRead,
        bytesOut: tls.bytesWritten,
      }));
      ctx.sessions.add({
        id,
        organizationId: lookup.organization.id,
        stillAllowed: async () => (await session.login.decide({ kind: 'connect' })).allowed,
        end: (reason) => session.end(`session ended: ${reason}`),
      });
      const maxSeconds = admitted.decision.permissions?.max_session_duration_seconds;
      if (maxSeconds !== null && maxSeconds !== undefined) {
        deadline = setTimeout(
          () => session.end(`the maximum session duration (${maxSeconds} s) was reached`),
          maxSeconds * 1000,
        );
        deadline.unref();
      }
      log.info({ identity: admitted.identity.label }, 'session started');
      return { id, log, report };
    },

    async onTerminal(pty, command) {
      const header = {
        width: pty?.cols || 80,
        height: pty?.rows || 24,
        env: { TERM: pty?.term ?? 'xterm', SHELL: '/bin/sh' },
        ...(command !== undefined && { command }),
        title: `${admitted.identity.label} on ${lookup.socket.name}`,
      };
      const recording = await startTerminalRecording(ctx.client, session.id, header, session.log, {
        recordsInput: lookup.socket.recording_input_enabled,
      }).catch((error: unknown) => {
        session.log.warn({ err: error }, 'recording could not start; the channel goes on unrecorded');
        return undefined;
      });
      if (recording) recordings.add(recording);
      return recording;
    },

    onClose(closed, end) {
      clearTimeout(deadline);
      ctx.sessions.remove(closed.id);
      // The session ends after its recordings: whoever sees it ended finds them complete.
      void Promise.allSettled([...recordings].map((recording) => recording.close())).then(() =>
        closed.report.end(end),
      );
      closed.log.info({ bytesIn: tls.bytesRead, bytesOut: tls.bytesWritten }, 'session ended');
    },
  });

  const server = new ssh2.Server(
    { hostKeys: [processTunnelHostKey()], ident: 'Border0', keepaliveInterval: 15_000, keepaliveCountMax: 3 },
    (connection) => session.attach(connection),
  );
  server.on('error', (error: Error) => session.log.debug({ err: error }, 'client ssh error'));
  // Admitted, but no session yet (it opens at the SSH login): the status line carries no session id.
  if (admitted.banner) tls.write(statusLine(true, ''));
  server.injectSocket(tls as unknown as Socket);
}
