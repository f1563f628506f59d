/**
 * The first steps of every client connection, whatever the protocol: identify the client by its certificate
 * and decide with the policies. A refusal is a session with result `denied` and its reason, sent to the client
 * in the status line (refusals before authentication are counted: see RefusalReports). Protocol handlers take
 * over an admitted client and open its session once their protocol has logged it in.
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
import type { Refusal, RefusalReports } from './refusal-reports.js';

export interface ConnectionContext {
  client: Border0Client;
  policies: PolicyCache;
  tunnels: TunnelServer;
  sessions: LiveSessions;
  /** Refusals before authentication go here, to be counted rather than reported one by one. */
  refusals: RefusalReports;
  geo: CountryResolver;
  log: Logger;
}

export interface AdmittedClient {
  tls: TLSSocket;
  lookup: SocketLookup;
  identity: ClientIdentity;
  /** The decision that admitted the client: its permissions bound what the session may do. */
  decision: Decision;
  /** Decides another action of this client with the organization's current policies. */
  decide(action: AccessAction): Promise<Decision>;
  /**
   * Opens the session (reported as allowed) once the socket's protocol has logged the client in: at once for a
   * TLS socket, after the SSH user authentication for an SSH socket. A client that never gets there leaves no
   * session behind. This also ends the connection's login deadline.
   */
  openSession(): Promise<OpenedSession>;
  origin: { address: string; port: number };
  /** Whether the client speaks the border0 client protocol (a status line first). */
  banner: boolean;
  log: Logger;
}

export interface OpenedSession {
  id: string;
  /** The client's logger, naming the session. */
  log: Logger;
}

/**
 * `firstAction` is what the connection itself asks; undefined when no handler carries the socket's type.
 * `loggedIn` ends the connection's login deadline (see ConnectionGuard).
 */
export async function admitClient(
  ctx: ConnectionContext,
  tls: TLSSocket,
  lookup: SocketLookup,
  firstAction: AccessAction | undefined,
  loggedIn: () => void,
  /** A client identified otherwise (a web terminal's ticket), from the address it came from. */
  identified?: { identity: ClientIdentity; ip: string | null; port: number | null },
): Promise<AdmittedClient | undefined> {
  const { socket, organization } = lookup;
  const ip = identified ? identified.ip : (tls.remoteAddress ?? null);
  const port = identified ? identified.port : (tls.remotePort ?? null);
  const banner = !identified && tls.alpnProtocol === CLIENT_ALPN;
  const country = ip ? ctx.geo.country(ip) : null;
  const log = ctx.log.child({ socket: socket.dnsname, ip });
  tls.on('error', (error) => log.debug({ err: error }, 'client connection error'));

  const report = (result: 'allowed' | 'denied', identity?: ClientIdentity, reason?: string) =>
    ctx.client.post('/api/v1/proxy/sessions', {
      body: sessionBody({ socketId: socket.id, ip, port, country, identity, reason: reason ?? '' }, result),
    });
  const close = (reason: string) => {
    if (banner) tls.end(statusLine(false, reason));
    else tls.destroy();
    return undefined;
  };
  /** Before authentication: counted with its like (nobody is accountable for these yet). */
  const refuseUnknown = (reason: string, identity?: ClientIdentity) => {
    log.debug({ reason, identity: identity?.label }, 'connection refused before authentication');
    ctx.refusals.refuse({ socketId: socket.id, ip, port, country, identity, reason });
    return close(reason);
  };
  const refuse = async (reason: string, identity: ClientIdentity) => {
    log.info({ reason, identity: identity.label }, 'connection refused');
    await report('denied', identity, reason).catch((error) =>
      log.warn({ err: error }, 'session report failed'),
    );
    return close(reason);
  };

  const identity =
    identified?.identity ?? (tls.authorized ? clientIdentity(tls.getPeerCertificate()) : undefined);
  if (!identity) {
    // Node says UNABLE_TO_GET_ISSUER_CERT also when no certificate came at all.
    const presented = Object.keys(tls.getPeerCertificate() ?? {}).length > 0;
    return refuseUnknown(
      !presented
        ? 'no valid client certificate (none presented)'
        : tls.authorized
          ? 'the client certificate names no identity'
          : `no valid client certificate (${tls.authorizationError ?? 'not trusted'})`,
    );
  }
  if (identity.organization !== organization.name) {
    return refuseUnknown('the client certificate belongs to another organization', identity);
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
  let opened: Promise<OpenedSession> | undefined;
  return {
    tls,
    lookup,
    identity,
    decision,
    decide,
    openSession: () => {
      opened ??= (async () => {
        loggedIn();
        const session = await report('allowed', identity);
        return { id: session.id, log: log.child({ session: session.id }) };
      })();
      return opened;
    },
    origin: { address: ip ?? '0.0.0.0', port: port ?? 0 },
    banner,
    log,
  };
}

/** The session report of a refusal or an admission; a count of refusals says how many it stands for. */
export function sessionBody(refusal: Refusal, result: 'allowed' | 'denied', attempts = 1) {
  const { socketId, identity, ip, port, country, reason } = refusal;
  return {
    socket_id: socketId,
    ...(identity?.email && { user_email: identity.email }),
    ...(identity?.service_account && { service_account: identity.service_account }),
    ...(ip && { client_ip: ip }),
    ...(port && { client_port: port }),
    ...(country && { country }),
    result,
    ...(reason && { reason }),
    ...(attempts > 1 && { attempts }),
  };
}
