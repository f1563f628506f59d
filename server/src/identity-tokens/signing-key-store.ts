/**
 * Each organization's key for identity tokens: an ES256 key pair made on first use, the private half sealed
 * at rest like every other secret (SecretBox), the public half kept as a JWK with its `kid`. Unsealed keys
 * are cached per process: they never change once made.
 */
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { SecretBox } from '../platform/crypto/secret-box.js';
import type { Database } from '../platform/db/schema.js';
import { newId } from '../platform/ids.js';

export const IDENTITY_TOKEN_ALGORITHM = 'ES256';

export interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof importPKCS8>>;
}

const unsealed = new WeakMap<SecretBox, Map<string, SigningKey>>();

/** The organization's signing key, made (once, even under concurrent first uses) when it has none. */
export async function organizationSigningKey(
  db: Kysely<Database>,
  secrets: SecretBox,
  orgId: string,
): Promise<SigningKey> {
  const cache = unsealed.get(secrets) ?? new Map<string, SigningKey>();
  unsealed.set(secrets, cache);
  const cached = cache.get(orgId);
  if (cached) return cached;
  let row = await findKey(db, orgId);
  if (!row) {
    const pair = await generateKeyPair(IDENTITY_TOKEN_ALGORITHM, { extractable: true });
    const kid = newId();
    const publicJwk = {
      ...(await exportJWK(pair.publicKey)),
      kid,
      alg: IDENTITY_TOKEN_ALGORITHM,
      use: 'sig',
    };
    await db
      .insertInto('identity_signing_keys')
      .values({
        id: kid,
        org_id: orgId,
        algorithm: IDENTITY_TOKEN_ALGORITHM,
        public_jwk: JSON.stringify(publicJwk),
        private_key_sealed: secrets.seal(await exportPKCS8(pair.privateKey)),
      })
      .onConflict((oc) => oc.column('org_id').doNothing())
      .execute();
    row = await findKey(db, orgId);
    if (!row) throw new Error(`the signing key of organization ${orgId} could not be stored`);
  }
  const key = {
    kid: row.id,
    privateKey: await importPKCS8(secrets.open(row.private_key_sealed), row.algorithm),
  };
  cache.set(orgId, key);
  return key;
}

/** The public keys of the organization, as JWKs (none before its first identity token). */
export async function organizationPublicKeys(db: Kysely<Database>, orgId: string): Promise<JWK[]> {
  const rows = await db
    .selectFrom('identity_signing_keys')
    .select('public_jwk')
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => JSON.parse(r.public_jwk) as JWK);
}

function findKey(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('identity_signing_keys')
    .select(['id', 'algorithm', 'private_key_sealed'])
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}
