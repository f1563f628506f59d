/**
 * The tokens of a person's login through the CLI (device login): a short-lived access token (a person's
 * token, kind `admin`, the member's role) and a refresh token that trades itself for the next pair.
 * Refresh tokens rotate and are single use; presenting a spent one means it was copied, so the whole login
 * ends (RFC 9700 §4.14.2). Logging out revokes the login: its refresh token and its access tokens.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { appendAudit } from '../platform/db/audit-log.js';
import type { Database } from '../platform/db/schema.js';
import { newId } from '../platform/ids.js';
import { hashTokenSecret, tokenMatches } from '../tokens/token-secret.js';
import { issueToken } from '../tokens/token-store.js';

export const ACCESS_TOKEN_TTL_SECONDS = 60 * 60;
export const LOGIN_TTL_SECONDS = 30 * 24 * 60 * 60;
export const LOGIN_TOKEN_NAME = 'device login';
const REFRESH_PREFIX = 'b0r_';

export interface LoginTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
  /** When the login itself ends: refreshing never goes past it. */
  loginExpiresAt: Date;
  organization: string;
  email: string;
}

interface Login {
  loginId: string;
  orgId: string;
  userId: string;
  expiresAt: Date;
}

/** Issues the first tokens of a new login, for a member of `orgId`. Call inside a transaction. */
export async function startLogin(
  trx: Transaction<Database>,
  member: { orgId: string; userId: string },
  ip: string | null,
): Promise<LoginTokens | undefined> {
  const login = {
    loginId: newId(),
    orgId: member.orgId,
    userId: member.userId,
    expiresAt: new Date(Date.now() + LOGIN_TTL_SECONDS * 1000),
  };
  return issueLoginTokens(trx, login, ip, 'device_login.token.issue');
}

export type RefreshResult = { ok: true; tokens: LoginTokens } | { ok: false; description: string };

/** Trades a refresh token for the next pair; a spent or unknown one gets nothing (and a spent one ends the login). */
export async function refreshLogin(
  db: Kysely<Database>,
  refreshToken: string,
  ip: string | null,
): Promise<RefreshResult> {
  const refused = {
    ok: false,
    description: 'the refresh token is unknown, revoked, used or expired',
  } as const;
  if (!refreshToken.startsWith(REFRESH_PREFIX)) return refused;
  const result = await db.transaction().execute(async (trx): Promise<RefreshResult | { replayed: Login }> => {
    const row = await trx
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('secret_hash', '=', hashTokenSecret(refreshToken))
      .forUpdate()
      .executeTakeFirst();
    if (!row || !tokenMatches(refreshToken, row.secret_hash)) return refused;
    const login = {
      loginId: row.login_id,
      orgId: row.org_id,
      userId: row.user_id,
      expiresAt: new Date(row.expires_at),
    };
    if (row.used_at !== null) return { replayed: login };
    if (login.expiresAt.getTime() <= Date.now()) return refused;
    await trx.updateTable('refresh_tokens').set({ used_at: new Date() }).where('id', '=', row.id).execute();
    // The previous access token ends with the rotation: one live access token per login.
    await trx.deleteFrom('tokens').where('login_id', '=', login.loginId).execute();
    const tokens = await issueLoginTokens(trx, login, ip, 'device_login.token.refresh');
    return tokens ? { ok: true, tokens } : { ok: false, description: 'the person is no longer a member' };
  });
  if ('replayed' in result) {
    await revokeLogin(db, result.replayed, ip, 'device_login.refresh_reuse');
    return refused;
  }
  return result;
}

/**
 * Ends the login a token belongs to (RFC 7009): given its refresh token or its current access token.
 * Unknown tokens are not an error, so the answer tells nothing about which tokens exist.
 */
export async function revokeLoginOf(db: Kysely<Database>, token: string, ip: string | null): Promise<void> {
  const login = token.startsWith(REFRESH_PREFIX)
    ? await db
        .selectFrom('refresh_tokens')
        .select(['login_id as loginId', 'org_id as orgId', 'user_id as userId', 'expires_at as expiresAt'])
        .where('secret_hash', '=', hashTokenSecret(token))
        .executeTakeFirst()
    : await db
        .selectFrom('tokens')
        .select(['login_id as loginId', 'org_id as orgId', 'user_id as userId', 'expires_at as expiresAt'])
        .where('secret_hash', '=', hashTokenSecret(token))
        .where('login_id', 'is not', null)
        .executeTakeFirst();
  if (!login?.loginId || !login.userId) return;
  await revokeLogin(
    db,
    {
      loginId: login.loginId,
      orgId: login.orgId,
      userId: login.userId,
      expiresAt: new Date(login.expiresAt ?? 0),
    },
    ip,
    'device_login.revoke',
  );
}

async function revokeLogin(db: Kysely<Database>, login: Login, ip: string | null, action: string) {
  await db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('users')
      .select('email')
      .where('id', '=', login.userId)
      .executeTakeFirst();
    const deleted = await trx
      .deleteFrom('refresh_tokens')
      .where('login_id', '=', login.loginId)
      .executeTakeFirst();
    await trx.deleteFrom('tokens').where('login_id', '=', login.loginId).execute();
    if (Number(deleted.numDeletedRows) === 0) return;
    await appendAudit(
      trx,
      { orgId: login.orgId, actor: `user:${user?.email ?? login.userId}`, ip, requestId: null },
      { action, resource_type: 'device_login', resource_id: login.loginId, details: {} },
    );
  });
}

async function issueLoginTokens(
  trx: Transaction<Database>,
  login: Login,
  ip: string | null,
  action: string,
): Promise<LoginTokens | undefined> {
  const member = await trx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('organizations as o', 'o.id', 'm.org_id')
    .select(['m.role', 'u.email', 'o.name as org_name'])
    .where('m.org_id', '=', login.orgId)
    .where('m.user_id', '=', login.userId)
    .executeTakeFirst();
  if (!member) return undefined;
  const now = Date.now();
  const accessExpiresAt = new Date(
    Math.min(now + ACCESS_TOKEN_TTL_SECONDS * 1000, login.expiresAt.getTime()),
  );
  const { row: token, secret } = await issueToken(trx, {
    orgId: login.orgId,
    kind: 'admin',
    name: LOGIN_TOKEN_NAME,
    role: member.role,
    userId: login.userId,
    expiresAt: accessExpiresAt,
    loginId: login.loginId,
  });
  const refreshToken = `${REFRESH_PREFIX}${randomBytes(32).toString('base64url')}`;
  await trx
    .insertInto('refresh_tokens')
    .values({
      id: newId(),
      org_id: login.orgId,
      user_id: login.userId,
      login_id: login.loginId,
      secret_hash: hashTokenSecret(refreshToken),
      expires_at: login.expiresAt,
    })
    .execute();
  await appendAudit(
    trx,
    { orgId: login.orgId, actor: `user:${member.email}`, ip, requestId: null },
    {
      action,
      resource_type: 'token',
      resource_id: token.id,
      details: {
        name: LOGIN_TOKEN_NAME,
        role: member.role,
        login_id: login.loginId,
        expires_at: accessExpiresAt.toISOString(),
      },
    },
  );
  return {
    accessToken: secret,
    refreshToken,
    expiresIn: Math.round((accessExpiresAt.getTime() - now) / 1000),
    loginExpiresAt: login.expiresAt,
    organization: member.org_name,
    email: member.email,
  };
}
