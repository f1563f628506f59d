/** The password of an account as the database keeps it: its argon2id hash (password.ts) and whose it is. */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';

/** The account's email, home organization (the one that manages its password) and password hash. */
export function findAccountPassword(db: Kysely<Database>, userId: string) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'home_org_id', 'password_hash'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
}

export async function setPasswordHash(db: Kysely<Database>, userId: string, hash: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ password_hash: hash, password_updated_at: new Date() })
    .where('id', '=', userId)
    .execute();
}
