/** Local accounts: a user may have a password, stored as an argon2id PHC string (never the password). */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('password_hash', 'text')
    .addColumn('password_updated_at', 'timestamptz')
    .execute();
}
