/** A person's TOTP second factor: the secret sealed at rest, pending until its first code confirms it. */
import type { Kysely } from 'kysely';
import type { SecretBox } from '../platform/crypto/secret-box.js';
import type { Database } from '../platform/db/schema.js';
import { acceptTotp } from './totp.js';

export async function totpOf(db: Kysely<Database>, userId: string) {
  return db.selectFrom('user_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Whether the account logs in with a second factor. */
export async function hasTotp(db: Kysely<Database>, userId: string): Promise<boolean> {
  const row = await totpOf(db, userId);
  return row?.confirmed_at != null;
}

/** Starts (or restarts) an enrolment; refused by the caller when one is confirmed. */
export async function savePendingTotp(
  db: Kysely<Database>,
  secrets: SecretBox,
  userId: string,
  secret: string,
): Promise<void> {
  const sealed = secrets.seal(secret);
  await db
    .insertInto('user_totp')
    .values({ user_id: userId, secret_sealed: sealed, confirmed_at: null, last_used_step: null })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({ secret_sealed: sealed, confirmed_at: null, last_used_step: null }),
    )
    .execute();
}

/**
 * Checks `code` against the account's secret (confirmed, or pending when `pending`) and spends its step: the
 * same code is never accepted twice. Whether it was accepted; a pending enrolment is confirmed by it.
 */
export async function useTotpCode(
  db: Kysely<Database>,
  secrets: SecretBox,
  userId: string,
  code: string,
  pending = false,
): Promise<boolean> {
  // Inside the caller's transaction when it has one (an audited change), else in one of its own.
  const spend = async (trx: Kysely<Database>) => {
    const row = await trx
      .selectFrom('user_totp')
      .selectAll()
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    if (!row || (row.confirmed_at === null) !== pending) return false;
    const last = row.last_used_step === null ? null : Number(row.last_used_step);
    const step = acceptTotp(secrets.open(row.secret_sealed), code, last);
    if (step === undefined) return false;
    await trx
      .updateTable('user_totp')
      .set({ last_used_step: step, ...(pending && { confirmed_at: new Date() }) })
      .where('user_id', '=', userId)
      .execute();
    return true;
  };
  return db.isTransaction ? spend(db) : db.transaction().execute(spend);
}

export async function removeTotp(db: Kysely<Database>, userId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('user_totp').where('user_id', '=', userId).executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}
