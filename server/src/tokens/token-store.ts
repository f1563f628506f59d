/** Issuing tokens: the secret is returned once to the caller and only its digest is stored. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, TokensTable } from '../platform/db/schema.js';
import type { PageRequest } from '../platform/http/pagination.js';
import { newId } from '../platform/ids.js';
import { generateTokenSecret, hashTokenSecret, type TokenKind } from './token-secret.js';

export interface TokenRequest {
  orgId: string;
  kind: TokenKind;
  name: string;
  role: string;
  userId?: string | null;
  serviceAccountId?: string | null;
  connectorId?: string | null;
  expiresAt?: Date | null;
  /** The device login that issues it (see login/login-token-store.ts). */
  loginId?: string | null;
  /** The trusted web identity it was exchanged through (see web-identities/): it goes with it. */
  webIdentityId?: string | null;
}

export async function issueToken(db: Kysely<Database>, request: TokenRequest) {
  const secret = generateTokenSecret(request.kind);
  const row = {
    id: newId(),
    org_id: request.orgId,
    kind: request.kind,
    name: request.name,
    secret_hash: hashTokenSecret(secret),
    role: request.role,
    user_id: request.userId ?? null,
    service_account_id: request.serviceAccountId ?? null,
    connector_id: request.connectorId ?? null,
    expires_at: request.expiresAt ?? null,
    created_at: new Date(),
    last_used_at: null,
    login_id: request.loginId ?? null,
    web_identity_id: request.webIdentityId ?? null,
  };
  await db.insertInto('tokens').values(row).execute();
  return { row, secret };
}

/** Admin tokens are listed organization-wide; the others per service account or connector. */
export type TokenFilter = { kind: 'admin' } | { kind: 'service_account' | 'connector'; ownerId: string };

export type TokenRow = Selectable<TokensTable>;

function ownerColumn(kind: 'service_account' | 'connector') {
  return kind === 'service_account' ? 'service_account_id' : 'connector_id';
}

function tokensOf(db: Kysely<Database>, orgId: string, filter: TokenFilter) {
  let query = db.selectFrom('tokens').selectAll().where('org_id', '=', orgId).where('kind', '=', filter.kind);
  if ('ownerId' in filter) query = query.where(ownerColumn(filter.kind), '=', filter.ownerId);
  return query;
}

export function listTokenRows(db: Kysely<Database>, orgId: string, filter: TokenFilter, page: PageRequest) {
  return tokensOf(db, orgId, filter)
    .$if(page.after !== undefined, (qb) => qb.where('id', '>', page.after!))
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

export function findTokenOf(db: Kysely<Database>, orgId: string, filter: TokenFilter, id: string) {
  return tokensOf(db, orgId, filter).where('id', '=', id).executeTakeFirst();
}

export async function deleteToken(db: Kysely<Database>, row: TokenRow): Promise<void> {
  await db.deleteFrom('tokens').where('id', '=', row.id).where('org_id', '=', row.org_id).execute();
}

/** The token's expiry and whose it is: its organization's name, and its person's email or account's name. */
export function findTokenHolder(db: Kysely<Database>, orgId: string, tokenId: string) {
  return db
    .selectFrom('tokens as t')
    .innerJoin('organizations as o', 'o.id', 't.org_id')
    .leftJoin('users as u', 'u.id', 't.user_id')
    .leftJoin('service_accounts as s', 's.id', 't.service_account_id')
    .select(['o.name as org_name', 't.expires_at', 'u.email', 's.name as service_account_name'])
    .where('t.id', '=', tokenId)
    .where('t.org_id', '=', orgId)
    .executeTakeFirst();
}
