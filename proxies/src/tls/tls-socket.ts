/**
 * One client connection to a socket: identify the client by its certificate, decide with the policies,
 * report the session, and carry the bytes through a connector's tunnel until either side ends or the
 * session is terminated. Every refusal is a session with result `denied` and its reason.
 */
import type { TLSSocket } from 'node:tls';
import type { CountryResolver } from '@border0/geoip';
import { bridgeDuplex, CLIENT_ALPN, statusLine } from '@border0/protocol';
import type { Border0Client } from '@border0/sdk';
import type { SocketInput, SocketType } from '@border0/sdk/policy';
import type { Logger } from 'pino';
import type { PolicyCache } from '../control-plane/policy-cache.js';
import type { SocketLookup } from '../control-plane/socket-directory.js';
import { TunnelError } from '../tunnel/tunnel-error.js';
import type { TunnelServer } from '../tunnel/tunnel-server.js';
import { type ClientIdentity, clientIdentity } from './client-identity.js';
import type { LiveSessions } from './live-sessions.js';

/** Socket types this proxy carries so far: the protocol-aware ones come with their own handlers. */
const CARRIED: ReadonlySet<string> = new Set(['tls']);
const REPORT_EVERY_MS = 5000;

export interface ConnectionContext {
  client: Border0Client;
  policies: PolicyCache;
  tunnels: TunnelServer;
  sessions: LiveSessions;
  geo: CountryResolver;
  log: Logger;
}

export async function handleTlsConnection(ctx: ConnectionContext, tls: TLSSocket, lookup: SocketLookup) {
  const { socket, organization } = lookup;
  const ip = tls.remoteAddress ?? null;
  const port = tls.remotePort ?? null;
  const banner = tls.alpnProtocol === CLIENT_ALPN;
  const country = ip ? ctx.geo.country(ip) : null;
  const log = ctx.log.child({ socket: socket.dnsname, ip });
  tls.on('error', (error) => log.debug({ err: error }, 'client connection error'));

  const refuse = async (reason: string, identity?: ClientIdentity) => {
    log.info({ reason, identity: identity?.label }, 'connection refused');
    await report({ result: 'denied', reason, identity }).catch((error) =>
      log.warn({ err: error }, 'session report failed'),
    );
    if (banner) tls.end(statusLine(false, reason));
    else tls.destroy();
  };
  const report = (body: {
    result: 'allowed' | 'denied';
    reason?: string;
    identity?: ClientIdentity | undefined;
  }) =>
    ctx.client.post('/api/v1/proxy/sessions', {
      body: {
        socket_id: socket.id,
        ...(body.identity?.email && { user_email: body.identity.email }),
        ...(body.identity?.service_account && { service_account: body.identity.service_account }),
        ...(ip && { client_ip: ip }),
        ...(port && { client_port: port }),
        ...(country && { country }),
        result: body.result,
        ...(body.reason && { reason: body.reason }),
      },
    });

  const identity = tls.authorized ? clientIdentity(tls.getPeerCertificate()) : undefined;
  if (!identity) {
    return refuse(
      tls.authorized
        ? 'the client certificate names no identity'
        : `no valid client certificate (${tls.authorizationError ?? 'none presented'})`,
    );
  }
  if (identity.organization !== organization.name) {
    return refuse(`the client certificate belongs to another organization`, identity);
  }
  if (!CARRIED.has(socket.socket_type)) {
    return refuse(`this proxy does not carry ${socket.socket_type} sockets yet`, identity);
  }
  const target: SocketInput = {
    id: socket.id,
    socket_type: socket.socket_type as SocketType,
    tags: socket.tags,
  };
  const decide = () =>
    ctx.policies.decide(organization.id, target, {
      identity: { email: identity.email, service_account: identity.service_account },
      action: { type: 'tls' },
      ip: ip ?? undefined,
      country,
    });
  const decision = await decide();
  if (!decision.allowed) return refuse(decision.reason, identity);

  const session = await report({ result: 'allowed', identity });
  let channel: Awaited<ReturnType<TunnelServer['openChannel']>>;
  try {
    channel = await ctx.tunnels.openChannel(socket.dnsname, { address: ip ?? '0.0.0.0', port: port ?? 0 });
  } catch (error) {
    const reason = error instanceof TunnelError ? error.message : 'the connector could not be reached';
    await ctx.client
      .patch('/api/v1/proxy/sessions/{session_id}', {
        params: { path: { session_id: session.id } },
        body: { ended: true, result: 'failed', reason },
      })
      .catch(() => {});
    if (banner) tls.end(statusLine(false, reason));
    else tls.destroy();
    return;
  }

  let bytesIn = 0;
  let bytesOut = 0;
  let endReason: string | undefined;
  tls.on('data', (chunk: Buffer) => {
    bytesIn += chunk.length;
  });
  channel.on('data', (chunk: Buffer) => {
    bytesOut += chunk.length;
  });
  const progress = (extra: { ended?: true; result?: 'terminated'; reason?: string } = {}) =>
    ctx.client
      .patch('/api/v1/proxy/sessions/{session_id}', {
        params: { path: { session_id: session.id } },
        body: { bytes_in: bytesIn, bytes_out: bytesOut, ...extra },
      })
      .catch((error) => log.warn({ err: error, session: session.id }, 'session report failed'));
  const timer = setInterval(() => void progress(), REPORT_EVERY_MS);
  timer.unref();

  ctx.sessions.add({
    id: session.id,
    organizationId: organization.id,
    stillAllowed: async () => (await decide()).allowed,
    end: (reason) => {
      endReason = reason;
      log.info({ session: session.id, reason }, 'ending session');
      tls.destroy();
      channel.destroy();
    },
  });
  if (banner) tls.write(statusLine(true, session.id));
  log.info({ session: session.id, identity: identity.label }, 'session started');
  bridgeDuplex(tls, channel, () => {
    clearInterval(timer);
    ctx.sessions.remove(session.id);
    void progress({ ended: true, ...(endReason && { result: 'terminated', reason: endReason }) });
    log.info({ session: session.id, bytesIn, bytesOut }, 'session ended');
  });
}
