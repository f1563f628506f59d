/**
 * The accounts an email and password open. An email may have an account in several organizations (each
 * its own password): every account of the email is checked, and at least one argon2id check is always made,
 * so that timing does not tell whether an account exists.
 */
import type { Kysely } from 'kysely';
import { verifyPassword } from '../login/password.js';
import type { Database } from '../platform/db/schema.js';

export async function accountsOpenedBy(
  db: Kysely<Database>,
  email: string,
  password: string,
): Promise<{ id: string; email: string }[]> {
  const accounts = await db
    .selectFrom('users')
    .select(['id', 'email', 'password_hash'])
    .where('email', '=', email.trim().toLowerCase())
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  if (accounts.length === 0) {
    await verifyPassword(password, null);
    return [];
  }
  const opened = [];
  for (const account of accounts) {
    if (await verifyPassword(password, account.password_hash))
      opened.push({ id: account.id, email: account.email });
  }
  return opened;
}

/** Whether the account is a member of the organization. */
export async function isMember(db: Kysely<Database>, orgId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}
