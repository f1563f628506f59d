/**
 * Refresh tokens of device logins. A login (`login_id`) is one approval on `/device`; it holds at most one
 * live refresh token and one live access token at a time. Refresh tokens rotate: each use spends the row
 * (`used_at`) and issues the next one, so a spent token presented again reveals a copy and ends the login.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('login_id', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    // The whole login's end: rotation never extends it.
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('refresh_tokens_login').on('refresh_tokens').column('login_id').execute();
  // The access tokens a login issued, so that logging out (or a replayed refresh token) revokes them.
  await db.schema.alterTable('tokens').addColumn('login_id', 'text').execute();
  await db.schema.createIndex('tokens_login').on('tokens').column('login_id').execute();
  await db.schema
    .createIndex('device_authorizations_expiry')
    .on('device_authorizations')
    .column('expires_at')
    .execute();
}
