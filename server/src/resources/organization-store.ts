/** Creating organizations with their first owner, shared by the API and the first-start bootstrap. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { newId } from '../ids.js';

/** The user with this email, created when new. Emails are stored lower-case. */
export async function ensureUser(db: Kysely<Database>, email: string): Promise<string> {
  const normalised = email.toLowerCase();
  const existing = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', normalised)
    .executeTakeFirst();
  if (existing) return existing.id;
  const id = newId();
  await db.insertInto('users').values({ id, email: normalised, display_name: null }).execute();
  return id;
}

export async function createOrganization(
  db: Kysely<Database>,
  input: { name: string; display_name?: string | null | undefined; ownerUserId: string },
) {
  const id = newId();
  await db
    .insertInto('organizations')
    .values({ id, name: input.name, display_name: input.display_name ?? null })
    .execute();
  await db
    .insertInto('memberships')
    .values({ org_id: id, user_id: input.ownerUserId, role: 'owner' })
    .execute();
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}
