/**
 * A person's login in the browser: the `border0_login` cookie holds an opaque token (`b0l_…`) of which only
 * the SHA-256 digest is stored. A login whose account has TOTP starts in stage `totp` and becomes `active`
 * with a new token once the code is right. Revoking a login revokes every web session derived from it.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import { newId } from '../platform/ids.js';
import { hashTokenSecret, tokenMatches } from '../tokens/token-secret.js';

/** How long a browser login lasts; the web sessions derived from it end with it. */
export const LOGIN_SESSION_TTL_SECONDS = 12 * 60 * 60;
/** How long the second factor may take after the password. */
export const TOTP_STAGE_TTL_SECONDS = 5 * 60;
/** Wrong TOTP codes allowed for one password check before the login must start again. */
export const MAX_TOTP_ATTEMPTS = 5;
const PREFIX = 'b0l_';

export interface LoginSession {
  id: string;
  userId: string;
  email: string;
  expiresAt: Date;
}

const newSecret = () => `${PREFIX}${randomBytes(32).toString('base64url')}`;

export async function startLoginSession(
  db: Kysely<Database>,
  input: { userId: string; ip: string | null; stage: 'totp' | 'active' },
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const token = newSecret();
  const id = newId();
  const ttl = input.stage === 'active' ? LOGIN_SESSION_TTL_SECONDS : TOTP_STAGE_TTL_SECONDS;
  const expiresAt = new Date(Date.now() + ttl * 1000);
  await db
    .insertInto('login_sessions')
    .values({
      id,
      user_id: input.userId,
      secret_hash: hashTokenSecret(token),
      stage: input.stage,
      ip: input.ip,
      expires_at: expiresAt,
    })
    .execute();
  return { id, token, expiresAt };
}

/** The live login of `token` in `stage` (active by default), or undefined. */
export async function findLoginSession(
  db: Kysely<Database>,
  token: string | undefined,
  stage: 'totp' | 'active' = 'active',
): Promise<(LoginSession & { totpAttempts: number }) | undefined> {
  if (!token?.startsWith(PREFIX)) return undefined;
  const row = await db
    .selectFrom('login_sessions as l')
    .innerJoin('users as u', 'u.id', 'l.user_id')
    .select(['l.id', 'l.user_id', 'l.secret_hash', 'l.stage', 'l.expires_at', 'l.totp_attempts', 'u.email'])
    .where('l.secret_hash', '=', hashTokenSecret(token))
    .where('l.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row || !tokenMatches(token, row.secret_hash) || row.stage !== stage) return undefined;
  if (new Date(row.expires_at).getTime() <= Date.now()) return undefined;
  return {
    id: row.id,
    userId: row.user_id,
    email: row.email,
    expiresAt: new Date(row.expires_at),
    totpAttempts: row.totp_attempts,
  };
}

/** Counts one wrong second factor; the login ends after MAX_TOTP_ATTEMPTS. Whether it may still try. */
export async function countTotpFailure(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db
    .updateTable('login_sessions')
    .set((eb) => ({ totp_attempts: eb('totp_attempts', '+', 1) }))
    .where('id', '=', id)
    .returning('totp_attempts')
    .executeTakeFirst();
  if (row && row.totp_attempts < MAX_TOTP_ATTEMPTS) return true;
  await db.updateTable('login_sessions').set({ revoked_at: new Date() }).where('id', '=', id).execute();
  return false;
}

/** The second factor was right: the login becomes active under a new token (the old one is spent). */
export async function activateLoginSession(
  db: Kysely<Database>,
  id: string,
): Promise<{ token: string; expiresAt: Date } | undefined> {
  const token = newSecret();
  const expiresAt = new Date(Date.now() + LOGIN_SESSION_TTL_SECONDS * 1000);
  const updated = await db
    .updateTable('login_sessions')
    .set({ secret_hash: hashTokenSecret(token), stage: 'active', expires_at: expiresAt })
    .where('id', '=', id)
    .where('stage', '=', 'totp')
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1 ? { token, expiresAt } : undefined;
}

/** Ends one login and the web sessions derived from it. */
export async function revokeLoginSession(db: Kysely<Database>, id: string): Promise<void> {
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('login_sessions').set({ revoked_at: now }).where('id', '=', id).execute();
    await trx
      .updateTable('web_sessions')
      .set({ revoked_at: now })
      .where('login_session_id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  });
}

/**
 * Logs a person out everywhere: every browser login of the account, the web sessions derived from them, and
 * the account's device logins (their refresh and access tokens). How many logins ended. Run it in a
 * transaction.
 */
export async function revokeEveryLoginOf(trx: Kysely<Database>, userId: string): Promise<number> {
  const now = new Date();
  const browser = await trx
    .updateTable('login_sessions')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  await trx
    .updateTable('web_sessions')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
  const devices = await trx
    .selectFrom('refresh_tokens')
    .select('login_id')
    .distinct()
    .where('user_id', '=', userId)
    .execute();
  await trx.deleteFrom('refresh_tokens').where('user_id', '=', userId).execute();
  await trx.deleteFrom('tokens').where('user_id', '=', userId).where('login_id', 'is not', null).execute();
  return Number(browser.numUpdatedRows) + devices.length;
}

/** Deletes logins (and through them their codes and web sessions) a day past their end. */
export async function sweepEndedLoginSessions(db: Kysely<Database>, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const ended = await db
    .deleteFrom('login_sessions')
    .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
    .executeTakeFirst();
  const codes = await db.deleteFrom('web_login_codes').where('expires_at', '<', before).executeTakeFirst();
  return Number(ended.numDeletedRows) + Number(codes.numDeletedRows);
}
