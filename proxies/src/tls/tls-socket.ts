/**
 * A TLS socket (any TCP service): carry the admitted client's bytes through a connector's tunnel, each
 * direction until its sender ends it (a half-close travels on as an EOF), until both are done, one side
 * fails, or the session is terminated. The session's end (bytes, end time) is reported then.
 */
import { bridgeDuplex, statusLine } from '@border0/protocol';
import type { AdmittedClient, ConnectionContext } from '../session/client-admission.js';
import { SessionReport } from '../session/session-report.js';
import { TunnelError } from '../tunnel/tunnel-error.js';

export async function carryTlsSession(ctx: ConnectionContext, admitted: AdmittedClient): Promise<void> {
  const { tls, lookup } = admitted;
  // The channel opens while the session is recorded (two round trips at once, not one after the other); no
  // byte crosses before both are done, and a channel whose session could not be recorded is closed.
  const opening = ctx.tunnels.openChannel(lookup.socket.dnsname, admitted.origin);
  opening.catch(() => {});
  // Admitted is logged in for a TLS socket: its protocol is the upstream's own.
  const { id: sessionId, log } = await admitted.openSession().catch((error: unknown) => {
    opening.then(
      (channel) => channel.destroy(),
      () => {},
    );
    throw error;
  });
  const report = new SessionReport(ctx.client, sessionId, log);
  let channel: Awaited<typeof opening>;
  try {
    channel = await opening;
  } catch (error) {
    const reason = error instanceof TunnelError ? error.message : 'the connector could not be reached';
    await report.end({ result: 'failed', reason });
    if (admitted.banner) tls.end(statusLine(false, reason));
    else tls.destroy();
    return;
  }

  // Each direction ends on its own: a client that shuts down its sending side (`nc -N`, a shell pipe) still
  // gets the answer that follows. Node would otherwise end our side too as soon as the client's EOF is read.
  // Set before anything reads the socket, so before its EOF can be seen.
  tls.allowHalfOpen = true;

  let endReason: string | undefined;
  tls.on('data', (chunk: Buffer) => {
    report.bytesIn += chunk.length;
  });
  channel.on('data', (chunk: Buffer) => {
    report.bytesOut += chunk.length;
  });
  ctx.sessions.add({
    id: sessionId,
    organizationId: lookup.organization.id,
    stillAllowed: async () => (await admitted.decide({ type: 'tls' })).allowed,
    end: (reason) => {
      endReason = reason;
      log.info({ reason }, 'ending session');
      tls.destroy();
      channel.destroy();
    },
  });
  if (admitted.banner) tls.write(statusLine(true, sessionId));
  log.info({ identity: admitted.identity.label }, 'session started');
  bridgeDuplex(tls, channel, () => {
    ctx.sessions.remove(sessionId);
    void report.end(endReason ? { result: 'terminated', reason: endReason } : {});
    log.info({ bytesIn: report.bytesIn, bytesOut: report.bytesOut }, 'session ended');
  });
}
