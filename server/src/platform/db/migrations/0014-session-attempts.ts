/**
 * A session record may stand for several identical refusals: proxies count repeated refusals before
 * authentication (no client certificate, another organization's) instead of recording each connection.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('sessions')
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(1))
    .execute();
}
