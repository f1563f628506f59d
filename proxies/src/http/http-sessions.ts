/**
 * Sessions of HTTP sockets: one per identity and socket on this proxy, opened by the first request that
 * policy allows, reused while requests keep coming, and ended after `idleMs` without any, or at once when
 * terminated or revoked (requests under way and WebSockets are cut). Policy is decided per request; a
 * decision is reused for `decisionTtlMs` per client address, and every policy change re-decides live sessions
 * (LiveSessions), so a revocation ends access within seconds. After a termination, the identity is refused on
 * the socket here for `terminatedBlockMs`. Refusals are counted like those before authentication, so a
 * browser retrying a refused page does not flood the control plane.
 */
import type { Duplex } from 'node:stream';
import type { Decision, SocketInput, SocketType } from '@border0/sdk/policy';
import type { Logger } from 'pino';
import type { SocketLookup } from '../control-plane/socket-directory.js';
import type { ClientIdentity } from '../gateway/client-identity.js';
import { REVOKED_REASON } from '../gateway/live-sessions.js';
import { type HttpLog, type HttpLogEntry, startHttpLog } from '../recording/http-log.js';
import { type ConnectionContext, sessionBody } from '../session/client-admission.js';
import { SessionReport } from '../session/session-report.js';

export interface HttpSessionOptions {
  /** A session with no request for this long ends (default 10 min). */
  idleMs?: number | undefined;
  /** How long an allowing decision is reused (default 5 s). */
  decisionTtlMs?: number | undefined;
  /** How long an identity is refused on a socket after its session was terminated (default 10 min). */
  terminatedBlockMs?: number | undefined;
}

export interface RequestOrigin {
  ip: string;
  port: number;
  country: string | null;
}

export type Admission = { session: HttpSession } | { refused: string };

const STOPPING = 'the proxy is stopping';
const IDLE = 'idle';
/** Client addresses whose decisions a session remembers. */
const MAX_DECISIONS = 32;

export class HttpSession {
  readonly id: string;
  readonly log: Logger;
  readonly #report: SessionReport;
  readonly #accessLog: HttpLog | undefined;
  readonly #decisions = new Map<string, number>();
  /** Connections carrying this session's requests and WebSockets now: cut when it ends. */
  readonly #active = new Set<Duplex>();
  readonly #owner: HttpSessions;
  readonly key: string;
  #idleTimer: NodeJS.Timeout | undefined;
  #lastIp: RequestOrigin;
  ended: string | undefined;
  #finishing: Promise<void> | undefined;

  constructor(
    owner: HttpSessions,
    key: string,
    id: string,
    report: SessionReport,
    accessLog: HttpLog | undefined,
    origin: RequestOrigin,
    log: Logger,
  ) {
    this.#owner = owner;
    this.key = key;
    this.id = id;
    this.#report = report;
    this.#accessLog = accessLog;
    this.#lastIp = origin;
    this.log = log;
  }

  get lastOrigin(): RequestOrigin {
    return this.#lastIp;
  }

  /** Whether an allowing decision for `ip` is recent enough to reuse. */
  fresh(ip: string, now: number, ttlMs: number): boolean {
    const at = this.#decisions.get(ip);
    return at !== undefined && now - at < ttlMs;
  }

  allowedAt(origin: RequestOrigin, now: number): void {
    this.#lastIp = origin;
    this.#decisions.delete(origin.ip);
    this.#decisions.set(origin.ip, now);
    if (this.#decisions.size > MAX_DECISIONS) this.#decisions.delete(this.#decisions.keys().next().value!);
  }

  /** A request (or a WebSocket) begins on `connection`; call the result once it is over. */
  begin(connection: Duplex): (entry: HttpLogEntry) => void {
    clearTimeout(this.#idleTimer);
    this.#active.add(connection);
    let done = false;
    return (entry) => {
      if (done) return;
      done = true;
      this.#active.delete(connection);
      this.#report.bytesIn += entry.bytesIn;
      this.#report.bytesOut += entry.bytesOut;
      this.#accessLog?.write(entry);
      if (this.#active.size === 0 && !this.ended) this.#armIdle();
    };
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#owner.end(this, IDLE), this.#owner.idleMs);
    this.#idleTimer.unref();
  }

  /** Ends the session once: cuts what it carries, then reports it and completes its access log. */
  finish(reason: string): Promise<void> {
    this.#finishing ??= this.#finish(reason);
    return this.#finishing;
  }

  async #finish(reason: string): Promise<void> {
    this.ended = reason;
    clearTimeout(this.#idleTimer);
    for (const connection of this.#active) connection.destroy();
    this.#active.clear();
    this.log.info({ reason }, 'session ended');
    await this.#accessLog?.close();
    const normal = reason === IDLE || reason === STOPPING;
    await this.#report.end(normal ? {} : { result: 'terminated', reason });
  }

  /** Starts counting idleness (a session opened by a request that was then refused upstream, say). */
  idleFromNow(): void {
    if (this.#active.size === 0) this.#armIdle();
  }
}

export class HttpSessions {
  readonly #ctx: ConnectionContext;
  readonly idleMs: number;
  readonly #decisionTtlMs: number;
  readonly #terminatedBlockMs: number;
  readonly #sessions = new Map<string, HttpSession>();
  readonly #opening = new Map<string, Promise<HttpSession>>();
  /** Sessions whose end is being reported. */
  readonly #finishing = new Set<Promise<void>>();
  /** Identities terminated on a socket, until when. */
  readonly #terminated = new Map<string, number>();
  readonly #now: () => number;

  constructor(
    ctx: ConnectionContext,
    options: HttpSessionOptions = {},
    now: () => number = performance.now.bind(performance),
  ) {
    this.#ctx = ctx;
    this.idleMs = options.idleMs ?? 10 * 60_000;
    this.#decisionTtlMs = options.decisionTtlMs ?? 5_000;
    this.#terminatedBlockMs = options.terminatedBlockMs ?? 10 * 60_000;
    this.#now = now;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /**
   * The identity's session on the socket, if policy allows this request from `ip` now; `originOf` is called
   * only when policy is decided (a cached decision needs no country).
   */
  async admit(
    lookup: SocketLookup,
    identity: ClientIdentity,
    ip: string,
    originOf: () => RequestOrigin,
  ): Promise<Admission> {
    const key = `${lookup.socket.id}\n${identity.label}`;
    const now = this.#now();
    const blockedUntil = this.#terminated.get(key);
    if (blockedUntil !== undefined) {
      if (blockedUntil > now)
        return { refused: 'your session on this socket was terminated by an administrator' };
      this.#terminated.delete(key);
    }
    const existing = this.#sessions.get(key);
    if (existing && !existing.ended && existing.fresh(ip, now, this.#decisionTtlMs)) {
      return { session: existing };
    }
    const origin = originOf();
    const decision = await this.#decide(lookup, identity, origin);
    if (!decision.allowed) {
      const current = this.#sessions.get(key);
      if (current) this.end(current, REVOKED_REASON);
      this.#ctx.refusals.refuse({
        socketId: lookup.socket.id,
        ip: origin.ip,
        port: origin.port,
        country: origin.country,
        identity,
        reason: decision.reason,
      });
      return { refused: decision.reason };
    }
    const session = this.#sessions.get(key) ?? (await this.#open(key, lookup, identity, origin));
    if (session.ended) return { refused: session.ended };
    session.allowedAt(origin, this.#now());
    return { session };
  }

  #decide(lookup: SocketLookup, identity: ClientIdentity, origin: RequestOrigin): Promise<Decision> {
    const target: SocketInput = {
      id: lookup.socket.id,
      socket_type: lookup.socket.socket_type as SocketType,
      tags: lookup.socket.tags,
    };
    return this.#ctx.policies.decide(lookup.organization.id, target, {
      identity: { email: identity.email, service_account: identity.service_account },
      action: { type: 'http' },
      ip: origin.ip,
      country: origin.country,
    });
  }

  #open(
    key: string,
    lookup: SocketLookup,
    identity: ClientIdentity,
    origin: RequestOrigin,
  ): Promise<HttpSession> {
    let opening = this.#opening.get(key);
    if (opening) return opening;
    opening = (async () => {
      const { client } = this.#ctx;
      const opened = await client.post('/api/v1/proxy/sessions', {
        body: sessionBody(
          {
            socketId: lookup.socket.id,
            ip: origin.ip,
            port: origin.port,
            country: origin.country,
            identity,
            reason: '',
          },
          'allowed',
        ),
      });
      const log = this.#ctx.log.child({ socket: lookup.socket.dnsname, session: opened.id });
      const report = new SessionReport(client, opened.id, log);
      const accessLog = lookup.socket.recording_enabled
        ? await startHttpLog(
            client,
            { session_id: opened.id, socket: lookup.socket.dnsname, identity: identity.label },
            log,
          ).catch((error: unknown) => {
            log.warn({ err: error }, 'access log not started');
            return undefined;
          })
        : undefined;
      const session = new HttpSession(this, key, opened.id, report, accessLog, origin, log);
      this.#sessions.set(key, session);
      this.#ctx.sessions.add({
        id: opened.id,
        organizationId: lookup.organization.id,
        stillAllowed: async () => (await this.#decide(lookup, identity, session.lastOrigin)).allowed,
        end: (reason) => this.end(session, reason),
      });
      log.info({ identity: identity.label }, 'session started');
      return session;
    })().finally(() => this.#opening.delete(key));
    this.#opening.set(key, opening);
    return opening;
  }

  /** Ends a session (idle, revoked, terminated, the proxy stopping); a terminated identity is kept out a while. */
  end(session: HttpSession, reason: string): void {
    if (session.ended) return;
    if (this.#sessions.get(session.key) === session) this.#sessions.delete(session.key);
    this.#ctx.sessions.remove(session.id);
    if (reason !== IDLE && reason !== REVOKED_REASON && reason !== STOPPING) {
      this.#terminated.set(session.key, this.#now() + this.#terminatedBlockMs);
    }
    const finishing = session
      .finish(reason)
      .catch((error: unknown) => session.log.warn({ err: error }, 'session end failed'))
      .finally(() => this.#finishing.delete(finishing));
    this.#finishing.add(finishing);
  }

  /** Ends every session (the proxy stops); resolves once their reports are sent. */
  async close(): Promise<void> {
    for (const session of [...this.#sessions.values()]) this.end(session, STOPPING);
    await Promise.all([...this.#finishing]);
  }
}
