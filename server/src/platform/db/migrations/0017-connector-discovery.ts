/**
 * Connector discovery: which connector declared a socket (it alone may change or delete it), and each
 * connector's last reported discovery runs (plugin, when, error, resources found).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // No foreign key: a deleted connector leaves its sockets to the admins, as `connector_ids` does.
  await db.schema.alterTable('sockets').addColumn('declared_by_connector_id', 'text').execute();
  await backfillDeclaredBy(db);
  await db.schema
    .alterTable('connectors')
    .addColumn('discovery_status', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
}

/**
 * Sockets connectors declared before `declared_by_connector_id` existed stay theirs: the audit log names the
 * connector that created each (`socket.create` by `connector:<name>`, with its id in the details).
 */
export async function backfillDeclaredBy(db: Kysely<unknown>): Promise<void> {
  await sql`
    update sockets set declared_by_connector_id = (
      select a.details->>'connector_id' from audit_entries a
      where a.org_id = sockets.org_id and a.resource_id = sockets.id and a.action = 'socket.create'
        and a.actor like 'connector:%' and a.details ? 'connector_id'
      order by a.seq limit 1
    )
    where declared_by_connector_id is null`.execute(db);
}
