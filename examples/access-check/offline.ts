/**
 * The access-check middleware of middleware.ts, deciding locally: the policies, the socket, and who may use
 * sockets now (members with their roles and groups, service accounts) are fetched through the SDK and
 * refreshed on an interval, and each request is decided by OrganizationAccess of @border0/sdk/policy with no
 * API call, as the proxies decide: a person no longer a member, or demoted to read_only, is denied whatever
 * the policies name. It fails closed: without policy data fresher than `maxStaleMs`, every request is
 * answered 503.
 *
 * @example
 * const guard = offlineAccessCheck({ client: createClient(), socket: 'web' });
 * await guard.ready;
 * createServer((req, res) => guard(req, res, () => res.end('hello'))).listen(8080);
 */
import type { Border0Client } from '@border0/sdk';
import { OrganizationAccess, type SocketInput, standingFrom } from '@border0/sdk/policy';
import { type AccessMiddleware, noIdentity, type RequestOptions, refuse, requestFacts } from './request.js';

export interface OfflineAccessCheckOptions extends RequestOptions {
  /** A client whose token may read sockets, policies, members, groups and service accounts (`read_only` or above). */
  client: Border0Client;
  /** The socket this server is, by name or id. */
  socket: string;
  /** How often the policies are fetched again (default 30 s). */
  refreshMs?: number | undefined;
  /** How old the last successful fetch may be before every request is refused with 503 (default 5 min). */
  maxStaleMs?: number | undefined;
  /**
   * The country (ISO 3166-1 alpha-2) of a client address. There is no GeoIP database here: without this,
   * a policy with a `country` condition denies everyone, and `country_not` excludes no one.
   */
  country?: ((ip: string) => string | null | undefined) | undefined;
  /** Told about failed refreshes (default: console.error). */
  onError?: ((error: unknown) => void) | undefined;
}

export interface OfflineAccessCheck extends AccessMiddleware {
  /** Settles when the first fetch is done, whether it worked or not. */
  readonly ready: Promise<void>;
  /** Fetches the policies now; rejects when that fails (the last good data stays until it is too old). */
  refresh(): Promise<void>;
  /** Stops refreshing. */
  close(): void;
}

interface Snapshot {
  access: OrganizationAccess;
  socket: SocketInput;
  /** When the fetch started: the data is at least this fresh. */
  at: number;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function load(client: Border0Client, socketRef: string): Promise<Omit<Snapshot, 'at'>> {
  const [socket, policies, members, groups, serviceAccounts] = await Promise.all([
    client.get('/api/v1/sockets/{socket}', { params: { path: { socket: socketRef } } }),
    collect(client.paginate('/api/v1/policies')),
    collect(client.paginate('/api/v1/members')),
    collect(client.paginate('/api/v1/groups')),
    collect(client.paginate('/api/v1/service-accounts')),
  ]);
  return {
    access: new OrganizationAccess({ policies, ...standingFrom({ members, groups, serviceAccounts }) }),
    socket: { id: socket.id, socket_type: socket.socket_type, tags: socket.tags },
  };
}

export function offlineAccessCheck(options: OfflineAccessCheckOptions): OfflineAccessCheck {
  const maxStaleMs = options.maxStaleMs ?? 300_000;
  const onError = options.onError ?? ((error: unknown) => console.error('policy refresh failed:', error));
  let snapshot: Snapshot | undefined;

  const refresh = async () => {
    const at = Date.now();
    const data = await load(options.client, options.socket);
    // Refreshes may overlap: a slow old one must not replace what a newer one fetched.
    if (!snapshot || at >= snapshot.at) snapshot = { ...data, at };
  };
  const timer = setInterval(() => refresh().catch(onError), options.refreshMs ?? 30_000);
  timer.unref();

  const middleware: AccessMiddleware = async (req, res, next) => {
    const current = snapshot;
    if (!current || Date.now() - current.at > maxStaleMs) {
      return refuse(res, 503, 'access decisions unavailable: no recent policy data');
    }
    const { email, ip } = requestFacts(req, options);
    if (!email) return refuse(res, 403, noIdentity(options));
    const decision = current.access.decide(current.socket, {
      identity: { email },
      action: { type: 'http' },
      ip,
      country: ip === undefined ? null : (options.country?.(ip) ?? null),
    });
    if (!decision.allowed) return refuse(res, 403, decision.reason);
    next();
  };

  return Object.assign(middleware, {
    ready: refresh().catch(onError),
    refresh,
    close: () => clearInterval(timer),
  });
}
