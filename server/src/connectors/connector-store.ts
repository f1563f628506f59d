/** Connector rows: the API shape (status from the last report) and the sockets a connector serves. */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { ConnectorsTable, Database } from '../platform/db/schema.js';
import type { SocketRow } from '../sockets/socket-store.js';
import { Connector } from './connector-schemas.js';

/** A connector that reported within this window is online. */
const ONLINE_WINDOW_MS = 60_000;

export function connectorToApi(row: Selectable<ConnectorsTable>) {
  const lastSeen = row.last_seen_at === null ? null : new Date(row.last_seen_at);
  return Connector.parse({
    id: row.id,
    name: row.name,
    description: row.description,
    status: lastSeen && Date.now() - lastSeen.getTime() <= ONLINE_WINDOW_MS ? 'online' : 'offline',
    last_seen_at: lastSeen?.toISOString() ?? null,
    version: row.version_reported,
    proxies_connected: row.proxies_connected,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  });
}

/** The sockets that list the connector in `connector_ids`, by name. */
export function connectorSockets(
  db: Kysely<Database>,
  orgId: string,
  connectorId: string,
): Promise<SocketRow[]> {
  return db
    .selectFrom('sockets as s')
    .innerJoin('organizations as o', 'o.id', 's.org_id')
    .selectAll('s')
    .select('o.name as org_name')
    .where('s.org_id', '=', orgId)
    .where(sql<boolean>`s.connector_ids @> ${JSON.stringify([connectorId])}::jsonb`)
    .orderBy('s.name')
    .execute();
}
