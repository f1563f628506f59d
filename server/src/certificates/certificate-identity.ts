/**
 * Who a certificate is for: the person or service account behind the token that asks, in its organization.
 * Only those two may hold certificates; the identity names both the X.509 subject and the SSH key id.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import type { Principal } from '../platform/http/env.js';
import { forbidden } from '../platform/http/problem.js';
import { findTokenHolder } from '../tokens/token-store.js';

export type CertificateIdentity =
  | { kind: 'user'; email: string; orgName: string }
  | { kind: 'service_account'; name: string; orgName: string };

/** `alice@acme.dev`, or `service-account:ci-bot`: the X.509 common name and the SSH key id. */
export function identityName(identity: CertificateIdentity): string {
  return identity.kind === 'user' ? identity.email : `service-account:${identity.name}`;
}

export interface Requester {
  identity: CertificateIdentity;
  orgId: string;
  /** When the asking token stops working: no certificate outlives it. */
  tokenExpiresAt: Date | null;
}

export async function loadRequester(db: Kysely<Database>, principal: Principal): Promise<Requester> {
  if (principal.kind !== 'admin' && principal.kind !== 'service_account') {
    throw forbidden('only a person’s or a service account’s token can get a certificate');
  }
  const row = await findTokenHolder(db, principal.orgId, principal.tokenId);
  const orgName = row?.org_name ?? '';
  let identity: CertificateIdentity | undefined;
  if (principal.kind === 'admin' && row?.email) identity = { kind: 'user', email: row.email, orgName };
  if (principal.kind === 'service_account' && row?.service_account_name) {
    identity = { kind: 'service_account', name: row.service_account_name, orgName };
  }
  // The token was authenticated a moment ago; a token revoked since then gets nothing.
  if (!row || !identity) throw forbidden('the token no longer names a person or a service account');
  return {
    identity,
    orgId: principal.orgId,
    tokenExpiresAt: row.expires_at ? new Date(row.expires_at) : null,
  };
}
