/**
 * From a dnsname back to its socket: `<socket>-<org>.<base domain>`. Socket and organization names may both
 * contain hyphens, so the label is split at every hyphen and each (socket, organization) pair is looked for.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import type { SocketRow } from './socket-store.js';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Every (socket, organization) pair of names that `dnsname` could stand for under `baseDomain`. */
export function dnsnameCandidates(dnsname: string, baseDomain: string): { socket: string; org: string }[] {
  const name = dnsname.toLowerCase().replace(/\.$/, '');
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (!name.endsWith(suffix)) return [];
  const label = name.slice(0, -suffix.length);
  if (label.includes('.')) return [];
  const candidates: { socket: string; org: string }[] = [];
  for (let at = label.indexOf('-'); at > 0; at = label.indexOf('-', at + 1)) {
    const socket = label.slice(0, at);
    const org = label.slice(at + 1);
    if (DNS_LABEL.test(socket) && DNS_LABEL.test(org)) candidates.push({ socket, org });
  }
  return candidates;
}

/**
 * The socket a dnsname names, or undefined. Should two pairs both exist (`a-b` in `c` and `a` in `b-c`), the
 * socket that had the name first keeps it.
 */
export async function findSocketByDnsname(
  db: Kysely<Database>,
  dnsname: string,
  baseDomain: string,
): Promise<SocketRow | undefined> {
  const candidates = dnsnameCandidates(dnsname, baseDomain);
  if (candidates.length === 0) return undefined;
  return db
    .selectFrom('sockets as s')
    .innerJoin('organizations as o', 'o.id', 's.org_id')
    .selectAll('s')
    .select('o.name as org_name')
    .where((eb) =>
      eb.or(candidates.map((c) => eb.and([eb('s.name', '=', c.socket), eb('o.name', '=', c.org)]))),
    )
    .orderBy('s.created_at')
    .orderBy('s.id')
    .limit(1)
    .executeTakeFirst();
}
