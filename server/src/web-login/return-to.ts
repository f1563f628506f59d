/**
 * Where a login returns to: only an HTTP socket's address (`return_to`'s host, port ignored, must be an HTTP
 * socket's dnsname). Anything else is refused, so the login page never redirects to an address of the
 * caller's choosing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import { findSocketByDnsname } from '../sockets/socket-store.js';

export interface ReturnTarget {
  url: URL;
  /** The socket's dnsname: `return_to`'s host in lower case, without the port. */
  host: string;
  orgId: string;
  /** `scheme://host:port` of `return_to`, for the page's `form-action`. */
  origin: string;
}

/** The HTTP socket `returnTo` points at, or undefined. */
export async function returnTarget(
  db: Kysely<Database>,
  baseDomain: string,
  returnTo: string | undefined,
): Promise<ReturnTarget | undefined> {
  if (!returnTo || returnTo.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(returnTo);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password) return undefined;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const socket = await findSocketByDnsname(db, host, baseDomain);
  if (socket?.socket_type !== 'http') return undefined;
  return { url, host, orgId: socket.org_id, origin: url.origin };
}

/** `<scheme://host:port>/.border0/callback?code=…&return_to=<path and query>` */
export function callbackUrl(target: ReturnTarget, code: string): string {
  const back = `${target.url.pathname}${target.url.search}`;
  const query = new URLSearchParams({ code, return_to: back });
  return `${target.url.origin}/.border0/callback?${query}`;
}
