/**
 * Handing a browser login to an HTTP socket's host. After login the server redirects to the host with a
 * one-time code (60 s, bound to the host); the host's proxy trades it for a web session token (`b0w_…`,
 * stored as a digest) bound to (browser login, host) that ends with the login. A web session is good only
 * while its login is live and its person is still a member of the socket's organization.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import { newId } from '../platform/ids.js';
import { hashTokenSecret, tokenMatches } from '../tokens/token-secret.js';

export const WEB_LOGIN_CODE_TTL_SECONDS = 60;
const CODE_PREFIX = 'b0x_';
const WEB_SESSION_PREFIX = 'b0w_';

export async function issueWebLoginCode(
  db: Kysely<Database>,
  input: { loginSessionId: string; orgId: string; host: string },
): Promise<string> {
  const code = `${CODE_PREFIX}${randomBytes(32).toString('base64url')}`;
  await db
    .insertInto('web_login_codes')
    .values({
      id: newId(),
      code_hash: hashTokenSecret(code),
      login_session_id: input.loginSessionId,
      org_id: input.orgId,
      host: input.host,
      expires_at: new Date(Date.now() + WEB_LOGIN_CODE_TTL_SECONDS * 1000),
    })
    .execute();
  return code;
}

export type Redeemed = { ok: true; token: string; expiresAt: Date } | { ok: false; reason: string };

/**
 * Trades a code for a web session token. A code is spent by its first presentation, right or wrong (another
 * host, too late), so a leaked code is worth one try at most.
 */
export async function redeemWebLoginCode(
  db: Kysely<Database>,
  code: string,
  host: string,
): Promise<Redeemed> {
  const unknown = { ok: false, reason: 'the code is unknown, used or expired' } as const;
  if (!code.startsWith(CODE_PREFIX)) return unknown;
  return db.transaction().execute(async (trx): Promise<Redeemed> => {
    const row = await trx
      .selectFrom('web_login_codes as c')
      .innerJoin('login_sessions as l', 'l.id', 'c.login_session_id')
      .select([
        'c.id',
        'c.code_hash',
        'c.host',
        'c.org_id',
        'c.expires_at',
        'c.used_at',
        'c.login_session_id',
        'l.user_id',
        'l.stage',
        'l.revoked_at',
        'l.expires_at as login_expires_at',
      ])
      .where('c.code_hash', '=', hashTokenSecret(code))
      .forUpdate()
      .executeTakeFirst();
    if (!row || !tokenMatches(code, row.code_hash) || row.used_at !== null) return unknown;
    await trx.updateTable('web_login_codes').set({ used_at: new Date() }).where('id', '=', row.id).execute();
    if (new Date(row.expires_at).getTime() <= Date.now()) return unknown;
    if (row.host !== host) return { ok: false, reason: 'the code was issued for another host' };
    const loginEnds = new Date(row.login_expires_at);
    if (row.revoked_at !== null || row.stage !== 'active' || loginEnds.getTime() <= Date.now()) {
      return { ok: false, reason: 'the login the code came from has ended' };
    }
    const member = await trx
      .selectFrom('memberships')
      .select('user_id')
      .where('org_id', '=', row.org_id)
      .where('user_id', '=', row.user_id)
      .executeTakeFirst();
    if (!member) return { ok: false, reason: 'the person is not a member of the socket’s organization' };
    const token = `${WEB_SESSION_PREFIX}${randomBytes(32).toString('base64url')}`;
    await trx
      .insertInto('web_sessions')
      .values({
        id: newId(),
        login_session_id: row.login_session_id,
        user_id: row.user_id,
        org_id: row.org_id,
        host,
        secret_hash: hashTokenSecret(token),
        expires_at: loginEnds,
      })
      .execute();
    return { ok: true, token, expiresAt: loginEnds };
  });
}

/** Who a web session token stands for on `host`: live, of that host, its login live, still a member. */
export async function findWebSession(
  db: Kysely<Database>,
  token: string,
  host: string,
): Promise<{ userId: string; email: string; orgId: string } | undefined> {
  if (!token.startsWith(WEB_SESSION_PREFIX)) return undefined;
  const now = new Date();
  const row = await db
    .selectFrom('web_sessions as w')
    .innerJoin('login_sessions as l', 'l.id', 'w.login_session_id')
    .innerJoin('memberships as m', (j) =>
      j.onRef('m.user_id', '=', 'w.user_id').onRef('m.org_id', '=', 'w.org_id'),
    )
    .select(['w.secret_hash', 'w.host', 'w.user_id', 'w.org_id', 'm.email'])
    .where('w.secret_hash', '=', hashTokenSecret(token))
    .where('w.revoked_at', 'is', null)
    .where('w.expires_at', '>', now)
    .where('l.revoked_at', 'is', null)
    .where('l.stage', '=', 'active')
    .where('l.expires_at', '>', now)
    .executeTakeFirst();
  if (!row || !tokenMatches(token, row.secret_hash) || row.host !== host) return undefined;
  return { userId: row.user_id, email: row.email, orgId: row.org_id };
}
