/**
 * Device login (RFC 8628): a client starts a login and gets a device code (kept secret, for polling) and a
 * user code (shown to the person, entered on `/device`). Both are stored as SHA-256 digests. The person
 * approves with email and password; the client's next poll then receives the login's tokens once (see
 * login-token-store.ts). Codes that expired are swept away (`sweepExpiredDeviceLogins`).
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { appendAudit } from '../platform/db/audit-log.js';
import type { Database } from '../platform/db/schema.js';
import { newId } from '../platform/ids.js';
import { type LoginTokens, startLogin } from './login-token-store.js';
import { verifyPassword } from './password.js';

export const DEVICE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
export const DEVICE_CODE_TTL_SECONDS = 600;
export const POLL_INTERVAL_SECONDS = 2;
/** RFC 8628 §3.5: every slow_down adds five seconds to the interval. */
const SLOW_DOWN_SECONDS = 5;
/** Rows stay an hour past their expiry (a late poll still gets `expired_token`), then go. */
const SWEEP_AFTER_EXPIRY_MS = 60 * 60 * 1000;

/** Consonants only (RFC 8628 §6.1): no vowels to spell words, nothing to confuse (0/O, 1/I). */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

export type DeviceTokenErrorCode =
  | 'authorization_pending'
  | 'slow_down'
  | 'access_denied'
  | 'expired_token'
  | 'invalid_grant';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

function generateUserCode(): string {
  const chars = Array.from({ length: 8 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/** What a person typed, as the stored form: letters of the alphabet only, upper case, `XXXX-XXXX`. */
export function normalizeUserCode(input: string): string | undefined {
  const chars = input.toUpperCase().replace(/[^A-Z]/g, '');
  if (chars.length !== 8 || [...chars].some((ch) => !USER_CODE_ALPHABET.includes(ch))) return undefined;
  return `${chars.slice(0, 4)}-${chars.slice(4)}`;
}

export async function startDeviceLogin(db: Kysely<Database>, organization: string | undefined) {
  const deviceCode = randomBytes(32).toString('base64url');
  const userCode = generateUserCode();
  await db
    .insertInto('device_authorizations')
    .values({
      id: newId(),
      device_code_hash: digest(deviceCode),
      user_code_hash: digest(userCode),
      organization: organization ?? null,
      interval_seconds: POLL_INTERVAL_SECONDS,
      expires_at: new Date(Date.now() + DEVICE_CODE_TTL_SECONDS * 1000),
    })
    .execute();
  return { deviceCode, userCode };
}

export type ApprovalResult =
  | { ok: true; organization: string; email: string }
  | { ok: false; message: string };

const BAD_CREDENTIALS = 'The email or password is wrong.';

/**
 * Approves (or denies) the pending login of `userCode` for the person with `email` and `password`, in the
 * organization the client asked for (or the person's first one). Nothing changes on any failure.
 */
export async function decideDeviceLogin(
  db: Kysely<Database>,
  input: { userCode: string; email: string; password: string; approve: boolean; ip: string | null },
): Promise<ApprovalResult> {
  const pending = await pendingLogin(db, input.userCode);
  if (!pending) return UNKNOWN_CODE;
  const email = input.email.trim().toLowerCase();
  // An email may have an account in several organizations, each with its own password: the password picks
  // the account. At least one check is always made, so timing does not tell whether an account exists.
  const memberships = await membershipsOf(db, 'm.email', email);
  const accounts = new Map(memberships.map((m) => [m.id, m.password_hash]));
  const verified = new Set<string>();
  for (const [id, hash] of accounts.size > 0 ? accounts : new Map([['', null]])) {
    if (await verifyPassword(input.password, hash)) verified.add(id);
  }
  const own = memberships.filter((m) => verified.has(m.id));
  if (own.length === 0) return { ok: false, message: BAD_CREDENTIALS };
  return decide(db, pending, own, input);
}

/**
 * Approves (or denies) the pending login of `userCode` for the account of a browser login (the
 * `border0_login` cookie): the person proved who they are when they logged in.
 */
export async function decideDeviceLoginAs(
  db: Kysely<Database>,
  input: { userCode: string; userId: string; approve: boolean; ip: string | null },
): Promise<ApprovalResult> {
  const pending = await pendingLogin(db, input.userCode);
  if (!pending) return UNKNOWN_CODE;
  const own = await membershipsOf(db, 'u.id', input.userId);
  if (own.length === 0)
    return { ok: false, message: 'This account is no longer a member of any organization.' };
  return decide(db, pending, own, input);
}

const UNKNOWN_CODE = {
  ok: false,
  message: 'The code is unknown, already used or expired. Start the login again.',
} as const;

async function pendingLogin(db: Kysely<Database>, input: string) {
  const userCode = normalizeUserCode(input);
  const pending = userCode
    ? await db
        .selectFrom('device_authorizations')
        .selectAll()
        .where('user_code_hash', '=', digest(userCode))
        .where('status', '=', 'pending')
        .executeTakeFirst()
    : undefined;
  if (!pending || new Date(pending.expires_at).getTime() <= Date.now()) return undefined;
  return pending;
}

function membershipsOf(db: Kysely<Database>, column: 'm.email' | 'u.id', value: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('organizations as o', 'o.id', 'm.org_id')
    .select(['u.id', 'u.email', 'u.password_hash', 'o.id as org_id', 'o.name as org_name'])
    .where(column, '=', value)
    .orderBy('m.created_at')
    .orderBy('o.name')
    .execute();
}

async function decide(
  db: Kysely<Database>,
  pending: NonNullable<Awaited<ReturnType<typeof pendingLogin>>>,
  own: Awaited<ReturnType<typeof membershipsOf>>,
  input: { approve: boolean; ip: string | null },
): Promise<ApprovalResult> {
  const email = own[0]!.email;
  const chosen = pending.organization ? own.find((m) => m.org_name === pending.organization) : own[0];
  if (!chosen) {
    return {
      ok: false,
      message: `${email} is not a member of the organization ${pending.organization}.`,
    };
  }
  const user = { id: chosen.id, email: chosen.email };
  const org = { org_id: chosen.org_id, org_name: chosen.org_name };
  const decided = await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('device_authorizations')
      .set({ status: input.approve ? 'approved' : 'denied', org_id: org.org_id, user_id: user.id })
      .where('id', '=', pending.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await appendAudit(
      trx,
      { orgId: org.org_id, actor: `user:${user.email}`, ip: input.ip, requestId: null },
      {
        action: input.approve ? 'device_login.approve' : 'device_login.deny',
        resource_type: 'device_login',
        resource_id: pending.id,
        details: { email: user.email },
      },
    );
    return true;
  });
  if (!decided) return { ok: false, message: 'The code was used meanwhile. Start the login again.' };
  return { ok: true, organization: org.org_name, email: user.email };
}

export type PollResult =
  | { ok: false; error: DeviceTokenErrorCode; description: string }
  | { ok: true; tokens: LoginTokens };

/** One poll of the client: an RFC 8628 error, or the login's tokens (once). */
export async function pollDeviceLogin(
  db: Kysely<Database>,
  deviceCode: string,
  ip: string | null,
): Promise<PollResult> {
  return db.transaction().execute(async (trx): Promise<PollResult> => {
    const row = await trx
      .selectFrom('device_authorizations')
      .selectAll()
      .where('device_code_hash', '=', digest(deviceCode))
      .forUpdate()
      .executeTakeFirst();
    if (!row || row.status === 'used') {
      return { ok: false, error: 'invalid_grant', description: 'the device code is unknown or was used' };
    }
    if (new Date(row.expires_at).getTime() <= Date.now()) {
      return { ok: false, error: 'expired_token', description: 'the device code expired; start again' };
    }
    if (row.status === 'denied') {
      return { ok: false, error: 'access_denied', description: 'the login was denied' };
    }
    const now = new Date();
    const early =
      row.last_polled_at !== null &&
      now.getTime() - new Date(row.last_polled_at).getTime() < row.interval_seconds * 1000;
    await trx
      .updateTable('device_authorizations')
      .set({
        last_polled_at: now,
        ...(early && { interval_seconds: row.interval_seconds + SLOW_DOWN_SECONDS }),
      })
      .where('id', '=', row.id)
      .execute();
    if (early) {
      return {
        ok: false,
        error: 'slow_down',
        description: `polled too fast; wait ${row.interval_seconds + SLOW_DOWN_SECONDS} seconds between polls`,
      };
    }
    if (row.status !== 'approved' || !row.org_id || !row.user_id) {
      return { ok: false, error: 'authorization_pending', description: 'waiting for the person to approve' };
    }
    await trx.updateTable('device_authorizations').set({ status: 'used' }).where('id', '=', row.id).execute();
    const tokens = await startLogin(trx, { orgId: row.org_id, userId: row.user_id }, ip);
    if (!tokens)
      return { ok: false, error: 'access_denied', description: 'the person is no longer a member' };
    return { ok: true, tokens };
  });
}

/** Deletes device logins long past their expiry, and the tokens of logins that ended. */
export async function sweepExpiredDeviceLogins(db: Kysely<Database>, now = new Date()): Promise<number> {
  const codes = await db
    .deleteFrom('device_authorizations')
    .where('expires_at', '<', new Date(now.getTime() - SWEEP_AFTER_EXPIRY_MS))
    .executeTakeFirst();
  const refresh = await db.deleteFrom('refresh_tokens').where('expires_at', '<', now).executeTakeFirst();
  const access = await db
    .deleteFrom('tokens')
    .where('login_id', 'is not', null)
    .where('expires_at', '<', now)
    .executeTakeFirst();
  return Number(codes.numDeletedRows) + Number(refresh.numDeletedRows) + Number(access.numDeletedRows);
}
