/** Issuing tokens: the secret is returned once to the caller and only its digest is stored. */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
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
  /** The device login that issues it (see login/login-tokens.ts). */
  loginId?: string | null;
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
  };
  await db.insertInto('tokens').values(row).execute();
  return { row, secret };
}
