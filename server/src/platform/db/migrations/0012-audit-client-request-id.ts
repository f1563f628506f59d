/**
 * Audit entries keep a caller's own `X-Request-Id` apart from the server's request id, which callers no longer
 * choose. Entries written before have none.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_entries').addColumn('client_request_id', 'text').execute();
}
