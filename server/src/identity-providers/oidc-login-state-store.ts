/**
 * Logins started through an identity provider: the state (kept as a SHA-256 digest), the nonce, the PKCE
 * verifier (sealed) and where to return, valid 10 minutes and taken once: a state answered twice, late, or
 * never issued finds nothing.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import { newId } from '../platform/ids.js';

export const OIDC_LOGIN_TTL_SECONDS = 10 * 60;

const digest = (state: string) => createHash('sha256').update(state, 'utf8').digest('hex');

export interface OidcLoginState {
  providerId: string;
  orgId: string;
  nonce: string;
  codeVerifierSealed: string;
  returnTo: string;
}

export async function saveOidcLogin(
  db: Kysely<Database>,
  state: string,
  login: OidcLoginState,
): Promise<void> {
  await db
    .insertInto('oidc_login_states')
    .values({
      id: newId(),
      state_hash: digest(state),
      provider_id: login.providerId,
      org_id: login.orgId,
      nonce: login.nonce,
      code_verifier_sealed: login.codeVerifierSealed,
      return_to: login.returnTo,
      expires_at: new Date(Date.now() + OIDC_LOGIN_TTL_SECONDS * 1000),
    })
    .execute();
}

/** The login `state` names, marked used in the same statement (so only one caller ever gets it), or undefined. */
export async function takeOidcLogin(
  db: Kysely<Database>,
  state: string,
): Promise<OidcLoginState | undefined> {
  const now = new Date();
  const row = await db
    .updateTable('oidc_login_states')
    .set({ used_at: now })
    .where('state_hash', '=', digest(state))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['provider_id', 'org_id', 'nonce', 'code_verifier_sealed', 'return_to'])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    providerId: row.provider_id,
    orgId: row.org_id,
    nonce: row.nonce,
    codeVerifierSealed: row.code_verifier_sealed,
    returnTo: row.return_to,
  };
}

/** Deletes logins an hour past their end. */
export async function sweepOidcLogins(db: Kysely<Database>, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - 60 * 60 * 1000);
  const gone = await db.deleteFrom('oidc_login_states').where('expires_at', '<', before).executeTakeFirst();
  return Number(gone.numDeletedRows);
}
