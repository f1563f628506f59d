/**
 * The identity token a proxy hands an HTTP socket's upstream (`X-Border0-Identity`): a JWT signed with the
 * organization's key, saying who is asking (`sub`, `email`) and for which host (`aud`), for five minutes.
 * Upstream apps verify it with `GET /api/v1/organizations/{organization}/jwks`; its issuer names that URL.
 */
import { SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import type { SecretBox } from '../platform/crypto/secret-box.js';
import type { Database } from '../platform/db/schema.js';
import { IDENTITY_TOKEN_ALGORITHM, organizationSigningKey } from './signing-key-store.js';

export const IDENTITY_TOKEN_TTL_SECONDS = 300;

export type Subject = { email: string } | { serviceAccount: string };

/** `<public API base URL>/api/v1/organizations/<organization_id>`: what `iss` holds. */
export function identityIssuer(apiBaseUrl: string, orgId: string): string {
  return `${apiBaseUrl.replace(/\/+$/, '')}/api/v1/organizations/${orgId}`;
}

export async function signIdentityToken(
  db: Kysely<Database>,
  secrets: SecretBox,
  input: { orgId: string; issuer: string; audience: string; subject: Subject },
): Promise<{ token: string; expiresAt: Date }> {
  const key = await organizationSigningKey(db, secrets, input.orgId);
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + IDENTITY_TOKEN_TTL_SECONDS;
  const claims = 'email' in input.subject ? { email: input.subject.email } : {};
  const subject =
    'email' in input.subject ? input.subject.email : `service-account:${input.subject.serviceAccount}`;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: IDENTITY_TOKEN_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setIssuer(input.issuer)
    .setSubject(subject)
    .setAudience(input.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(key.privateKey);
  return { token, expiresAt: new Date(expiresAt * 1000) };
}
