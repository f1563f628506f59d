/**
 * Which events a change causes, read from its audit record: every change through the API is audited in its
 * transaction, so deriving events there covers every path that changes what the data plane caches.
 */
import type { Kysely } from 'kysely';
import type { AuditRecord } from '../db/audit-log.js';
import type { Database } from '../db/schema.js';
import type { PlatformEvent } from './event-bus.js';

/** Resources whose changes alter an organization's policy data (the policies, or the identities they name). */
const POLICY_DATA = new Set(['policy', 'group', 'member', 'service_account', 'socket']);

export async function changeEvents(
  db: Kysely<Database>,
  baseDomain: string,
  orgId: string,
  record: AuditRecord,
): Promise<PlatformEvent[]> {
  const events: PlatformEvent[] = [];
  if (POLICY_DATA.has(record.resource_type)) events.push({ type: 'policy-data', organization_id: orgId });
  const details = record.details ?? {};
  const dnsnames = async (socketNames: unknown[]) => {
    const names = socketNames.filter((name): name is string => typeof name === 'string');
    if (names.length === 0) return;
    const org = await db
      .selectFrom('organizations')
      .select('name')
      .where('id', '=', orgId)
      .executeTakeFirst();
    if (!org) return;
    for (const name of names) events.push({ type: 'socket', dnsname: `${name}-${org.name}.${baseDomain}` });
  };

  switch (record.action) {
    case 'socket.create':
    case 'socket.update':
    case 'socket.delete':
      // A rename changes the dnsname: proxies must forget the old one too.
      await dnsnames([details.name, details.previous_name]);
      break;
    case 'token.delete':
      if (details.kind === 'connector' && typeof details.connector_id === 'string' && record.resource_id) {
        events.push({
          type: 'connector-revoke',
          organization_id: orgId,
          connector_id: details.connector_id,
          token_id: record.resource_id,
        });
      }
      break;
    case 'connector.delete': {
      if (record.resource_id) {
        events.push({
          type: 'connector-revoke',
          organization_id: orgId,
          connector_id: record.resource_id,
          token_id: null,
        });
      }
      // Its sockets lose it from connector_ids.
      const ids = (details.sockets_detached ?? []) as string[];
      if (ids.length === 0) break;
      const sockets = await db
        .selectFrom('sockets')
        .select('name')
        .where('org_id', '=', orgId)
        .where('id', 'in', ids)
        .execute();
      await dnsnames(sockets.map((s) => s.name));
      break;
    }
    case 'session.terminate':
      if (record.resource_id) {
        events.push({ type: 'session-terminate', session_id: record.resource_id, organization_id: orgId });
      }
      break;
    case 'organization.create':
      // A new organization means a new client CA that proxies must trust.
      if (record.resource_id) events.push({ type: 'trust', organization_id: record.resource_id });
      break;
  }
  return events;
}
