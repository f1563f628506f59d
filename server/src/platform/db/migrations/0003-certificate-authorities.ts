/**
 * Certificate authorities: per organization an X.509 client CA and an SSH user CA, plus one platform CA (no
 * organization) for the proxies' server certificates. Private keys are stored sealed.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('certificate_authorities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.references('organizations.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('public_part', 'text', (c) => c.notNull())
    .addColumn('private_key_sealed', 'text', (c) => c.notNull())
    .addColumn('not_after', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One CA of each kind per organization, and one of each kind without one. Two partial indexes, because a
  // unique constraint treats every null org_id as distinct. Creators race on these (insert, then re-read).
  await db.schema
    .createIndex('certificate_authorities_org_kind')
    .on('certificate_authorities')
    .columns(['org_id', 'kind'])
    .unique()
    .where(sql.ref('org_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('certificate_authorities_platform_kind')
    .on('certificate_authorities')
    .column('kind')
    .unique()
    .where(sql.ref('org_id'), 'is', null)
    .execute();
}
