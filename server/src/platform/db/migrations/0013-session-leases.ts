/**
 * A live session is a lease that the proxy carrying it renews; the control plane ends the sessions whose
 * lease lapsed, with their open recordings (resources/session-lease.ts). Both sweeps look only at what is
 * still open: partial indexes keep them from scanning every ended session of every organization.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('sessions_live_last_seen')
    .on('sessions')
    .column('last_seen_at')
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('recordings_open_session')
    .on('recordings')
    .column('session_id')
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
}
