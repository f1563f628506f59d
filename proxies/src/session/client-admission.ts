/**
 * The first steps of every client connection, whatever the protocol: identify the client by its certificate,
 * decide with the policies, and report the session. A refusal is a session with result `denied` and its
 * reason, sent to the client in the status line. Protocol handlers take over an admitted client.
 */
import type { TLSSocket } from 'node:tls';
import type { CountryResolver } from '@border0/geoip';
import { CLIENT_ALPN, statusLine } from '@border0/protocol';
import type { Border0Client } from '@border0/sdk';
import type { AccessAction, Decision, SocketInput, SocketType } from '@border0/sdk/policy';
import type { Logger } from 'pino';
import type { PolicyCache } from '../control-plane/policy-cache.js';
import type { SocketLookup } from '../control-plane/socket-directory.js';
import { type ClientIdentity, clientIdentity } from '../gateway/client-identity.js';
import type { LiveSessions } from '../gateway/live-sessions.js';
import type { TunnelServer } from '../tunnel/tunnel-server.js';

export interface ConnectionContext {
  client: Border0Client;
  policies: PolicyCache;
  tunnels: TunnelServer;
  sessions: LiveSessions;
  geo: CountryResolver;
  log: Logger;
}

export interface AdmittedClient {
  tls: TLSSocket;
  lookup: SocketLookup;
  identity: ClientIdentity;
  sessionId: string;
  /** The decision that admitted the client: its permissions bound what the session may do. */
  decision: Decision;
  /** Decides another action of this client with the organization's current policies. */
  decide(action: AccessAction): Promise<Decision>;
  origin: { address: string; port: number };
  /** Whether the client speaks the border0 client protocol (a status line first). */
  banner: boolean;
  log: Logger;
}

/** `firstAction` is what the connection itself asks; undefined when no handler carries the socket's type. */
export async function admitClient(
  ctx: ConnectionContext,
  tls: TLSSocket,
  lookup: SocketLookup,
  firstAction: AccessAction | undefined,
): Promise<AdmittedClient | undefined> {
  const { socket, organization } = lookup;
  const ip = tls.remoteAddress ?? null;
  const port = tls.remotePort ?? null;
  const banner = tls.alpnProtocol === CLIENT_ALPN;
  const country = ip ? ctx.geo.country(ip) : null;
  const log = ctx.log.child({ socket: socket.dnsname, ip });
  tls.on('error', (error) => log.debug({ err: error }, 'client connection error'));

  const report = (result: 'allowed' | 'denied', identity?: ClientIdentity, reason?: string) =>
    ctx.client.post('/api/v1/proxy/sessions', {
      body: {
        socket_id: socket.id,
        ...(identity?.email && { user_email: identity.email }),
        ...(identity?.service_account && { service_account: identity.service_account }),
        ...(ip && { client_ip: ip }),
        ...(port && { client_port: port }),
        ...(country && { country }),
        result,
        ...(reason && { reason }),
      },
    });
  const refuse = async (reason: string, identity?: ClientIdentity) => {
    log.info({ reason, identity: identity?.label }, 'connection refused');
    await report('denied', identity, reason).catch((error) =>
      log.warn({ err: error }, 'session report failed'),
    );
    if (banner) tls.end(statusLine(false, reason));
    else tls.destroy();
    return undefined;
  };

  const identity = tls.authorized ? clientIdentity(tls.getPeerCertificate()) : undefined;
  if (!identity) {
    return refuse(
      tls.authorized
        ? 'the client certificate names no identity'
        : `no valid client certificate (${tls.authorizationError ?? 'none presented'})`,
    );
  }
  if (identity.organization !== organization.name) {
    return refuse('the client certificate belongs to another organization', identity);
  }
  if (!firstAction) return refuse(`this proxy does not carry ${socket.socket_type} sockets yet`, identity);
  const target: SocketInput = {
    id: socket.id,
    socket_type: socket.socket_type as SocketType,
    tags: socket.tags,
  };
  const decide = (action: AccessAction) =>
    ctx.policies.decide(organization.id, target, {
      identity: { email: identity.email, service_account: identity.service_account },
      action,
      ip: ip ?? undefined,
      country,
    });
  const decision = await decide(firstAction);
  if (!decision.allowed) return refuse(decision.reason, identity);
  const session = await report('allowed', identity);
  return {
    tls,
    lookup,
    identity,
    sessionId: session.id,
    decision,
    decide,
    origin: { address: ip ?? '0.0.0.0', port: port ?? 0 },
    banner,
    log: log.child({ session: session.id }),
  };
}
