/** Recordings are read per session; without this index each listing would scan every organization's. */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('recordings_session').on('recordings').columns(['session_id', 'id']).execute();
}
