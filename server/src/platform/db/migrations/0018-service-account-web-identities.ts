/**
 * The OIDC issuers a service account trusts (issuer, audience, subject pattern and required claims): a signed
 * token of one is exchanged for a short-lived token of the account (`POST /auth/web-identity`). The tokens so
 * issued name the trust they came through and go with it.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('service_account_web_identities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('service_account_id', 'text', (c) =>
      c.notNull().references('service_accounts.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    // A pattern where `*` stands for any run of characters (see web-identities/claim-pattern.ts).
    .addColumn('subject', 'text', (c) => c.notNull())
    // Further claims and their patterns, e.g. {"repository": "acme/app"}.
    .addColumn('claims', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('service_account_web_identities_name', ['service_account_id', 'name'])
    .execute();
  await db.schema
    .alterTable('tokens')
    .addColumn('web_identity_id', 'text', (c) =>
      c.references('service_account_web_identities.id').onDelete('cascade'),
    )
    .execute();
}
