/** Connector rows: the API shape (status from the last report) and the sockets a connector serves. */
import { type Kysely, type Selectable, sql } from 'kysely';
import { describedRows } from '../platform/db/named-rows.js';
import type { ConnectorsTable, Database, DiscoveryStatusEntry } from '../platform/db/schema.js';
import type { SocketRow } from '../sockets/socket-store.js';
import { Connector } from './connector-schemas.js';

/** A connector that reported within this window is online. */
const ONLINE_WINDOW_MS = 60_000;

export type ConnectorRow = Selectable<ConnectorsTable>;

/** The connector rows' store functions: find (by id or name), list, insert, update and delete. */
export const connectorRows = describedRows('connectors');
export const findConnector = connectorRows.find;

/** Deletes the connector (its tokens go with it, by foreign key) and answers the sockets it leaves. */
export async function deleteConnector(db: Kysely<Database>, row: ConnectorRow): Promise<string[]> {
  // Sockets keep connector ids in a JSON array, which no foreign key covers: drop this one from them.
  const detached = await db
    .updateTable('sockets')
    .set({
      connector_ids: sql`connector_ids - ${row.id}::text`,
      updated_at: new Date(),
      version: sql`version + 1`,
    })
    .where('org_id', '=', row.org_id)
    .where(sql<boolean>`connector_ids @> ${JSON.stringify([row.id])}::jsonb`)
    .returning('id')
    .execute();
  await connectorRows.delete(db, row);
  return detached.map((s) => s.id);
}

/** The first of `ids` that names no connector of the organization. */
export async function unknownConnector(
  db: Kysely<Database>,
  orgId: string,
  ids: string[],
): Promise<string | undefined> {
  if (ids.length === 0) return undefined;
  const found = await db
    .selectFrom('connectors')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return ids.find((id) => !found.some((f) => f.id === id));
}

/** The connector and its organization's name, for its own configuration. */
export function findConnectorWithOrg(db: Kysely<Database>, connectorId: string) {
  return db
    .selectFrom('connectors as k')
    .innerJoin('organizations as o', 'o.id', 'k.org_id')
    .select(['k.id', 'k.name', 'o.id as org_id', 'o.name as org_name'])
    .where('k.id', '=', connectorId)
    .executeTakeFirst();
}

/** A proxy saw the connector: it is online, whatever its last heartbeat said. */
export async function touchConnector(db: Kysely<Database>, connectorId: string): Promise<void> {
  await db
    .updateTable('connectors')
    .set({ last_seen_at: new Date() })
    .where('id', '=', connectorId)
    .execute();
}

/** A heartbeat: when the connector was last seen, its version and the proxies it holds tunnels to. */
export function recordHeartbeat(
  db: Kysely<Database>,
  connectorId: string,
  report: {
    version: string;
    proxies_connected: string[];
    discovery?: DiscoveryStatusEntry[] | undefined;
  },
): Promise<ConnectorRow | undefined> {
  return db
    .updateTable('connectors')
    .set({
      last_seen_at: new Date(),
      version_reported: report.version,
      proxies_connected: JSON.stringify([...new Set(report.proxies_connected)]),
      ...(report.discovery && { discovery_status: JSON.stringify(report.discovery) }),
    })
    .where('id', '=', connectorId)
    .returningAll()
    .executeTakeFirst();
}

export function connectorToApi(row: ConnectorRow) {
  const lastSeen = row.last_seen_at === null ? null : new Date(row.last_seen_at);
  return Connector.parse({
    id: row.id,
    name: row.name,
    description: row.description,
    status: lastSeen && Date.now() - lastSeen.getTime() <= ONLINE_WINDOW_MS ? 'online' : 'offline',
    last_seen_at: lastSeen?.toISOString() ?? null,
    version: row.version_reported,
    proxies_connected: row.proxies_connected,
    discovery: row.discovery_status ?? [],
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

/** The sockets the connector declared itself (connector.yaml, discovery), by name. */
export function declaredSockets(
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
    .where('s.declared_by_connector_id', '=', connectorId)
    .orderBy('s.name')
    .execute();
}
