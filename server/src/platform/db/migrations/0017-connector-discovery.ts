/**
 * Connector discovery: which connector declared a socket (it alone may change or delete it), and each
 * connector's last reported discovery runs (plugin, when, error, resources found).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // No foreign key: a deleted connector leaves its sockets to the admins, as `connector_ids` does.
  await db.schema.alterTable('sockets').addColumn('declared_by_connector_id', 'text').execute();
  await db.schema
    .alterTable('connectors')
    .addColumn('discovery_status', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
}
