/**
 * Standing across organizations, and evidence only proxies write.
 * - A local account belongs to the organization that made it (`home_org_id`): only that organization's
 *   admins set its password. Another organization that adds the same email makes an account of its own, so
 *   nothing it does reveals or changes another's; emails are unique per home organization, not globally.
 * - An organization has at most one member per email (`memberships.email`, copied from the account).
 * - Invitations: a person who already has an account joins another organization only by accepting one.
 * - A session remembers the proxy token that opened it: only that proxy reports on it.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('home_org_id', 'text', (c) => c.references('organizations.id').onDelete('set null'))
    .execute();
  await sql`update users u set home_org_id = (
      select m.org_id from memberships m where m.user_id = u.id order by m.created_at, m.org_id limit 1)`.execute(
    db,
  );
  await db.schema.alterTable('users').dropConstraint('users_email_key').execute();
  await db.schema
    .createIndex('users_home_email_key')
    .on('users')
    .columns(['home_org_id', 'email'])
    .unique()
    .execute();
  await db.schema.createIndex('users_email_idx').on('users').column('email').execute();

  await db.schema.alterTable('memberships').addColumn('email', 'text').execute();
  await sql`update memberships m set email = (select u.email from users u where u.id = m.user_id)`.execute(
    db,
  );
  await db.schema
    .alterTable('memberships')
    .alterColumn('email', (c) => c.setNotNull())
    .execute();
  await db.schema
    .createIndex('memberships_org_email_key')
    .on('memberships')
    .columns(['org_id', 'email'])
    .unique()
    .execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('accepted_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('invitations_org_idx').on('invitations').columns(['org_id', 'id']).execute();

  await db.schema.alterTable('sessions').addColumn('proxy_token_id', 'text').execute();
}
