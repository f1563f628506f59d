/**
 * SSH sockets remember their upstream's host key: trusted on first use by a proxy, then required, so a
 * changed key (a man in the middle, or a reinstalled host) is refused until an admin clears it.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('sockets')
    .addColumn('ssh_host_key', 'text')
    .addColumn('ssh_host_key_trusted_at', 'timestamptz')
    .execute();
}
