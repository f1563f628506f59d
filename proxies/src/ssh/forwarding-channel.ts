/**
 * Local port forwarding (`ssh -L`, a `direct-tcpip` channel, RFC 4254 section 7.2): each destination is
 * decided on its own, then carried through the upstream's own forwarding. Remote forwarding (`-R`) is never
 * carried (the session refuses its global request).
 */
import type ssh2 from 'ssh2';
import type { SshChannelHost } from './channel-host.js';

export function serveForwarding(
  host: SshChannelHost,
  accept: ssh2.AcceptConnection<ssh2.ServerChannel>,
  reject: ssh2.RejectConnection,
  info: ssh2.TcpipRequestInfo,
): void {
  (async () => {
    const destination = { destination_address: info.destIP, destination_port: info.destPort };
    const decision = host.login.refusal
      ? { allowed: false, reason: host.login.refusal }
      : await host.login.decide({ kind: 'tcp_forwarding', ...destination });
    if (!decision.allowed) {
      host.report.event('ssh.denied', { kind: 'tcp_forwarding', ...destination, reason: decision.reason });
      return reject();
    }
    const connection = await host.connectUpstream().catch(() => undefined);
    if (!connection) return reject();
    connection.ssh.forwardOut(info.srcIP, info.srcPort, info.destIP, info.destPort, (error, up) => {
      if (error) {
        host.report.event('ssh.tcp_forwarding_failed', { ...destination, reason: error.message });
        return reject();
      }
      host.report.event('ssh.tcp_forwarding', destination);
      const down = accept();
      down.pipe(up).pipe(down);
      down.on('error', () => up.destroy());
      up.on('error', () => down.destroy());
    });
  })().catch((error: unknown) => {
    host.log.warn({ err: error }, 'forwarding failed');
    reject?.();
  });
}
