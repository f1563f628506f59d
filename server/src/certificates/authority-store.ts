/**
 * Where the CAs live: one row per CA in `certificate_authorities`, private keys sealed with the secret box.
 * Each CA is created on first use; two servers creating the same one at once both end up with the winner's
 * (the unique index refuses the second insert, and the loser reads the row that won).
 */
import type { Kysely } from 'kysely';
import type { SecretBox } from '../platform/crypto/secret-box.js';
import type { Database } from '../platform/db/schema.js';
import { newId } from '../platform/ids.js';
import { createSshAuthority, loadSshAuthority, type SshAuthority } from './ssh-authority.js';
import { createX509Authority, loadX509Authority, type X509Authority } from './x509-authority.js';

/**
 * `ssh_user` signs what clients present to the proxies; `ssh_upstream` signs what proxies present to upstream
 * sshd servers (`border0_certificate` sockets). Two CAs, because an upstream trusting the first would let
 * members log in around the proxies and their policies.
 */
export type AuthorityKind = 'x509_client' | 'ssh_user' | 'ssh_upstream' | 'x509_platform';

interface NewAuthority {
  publicPart: string;
  privateKeyPem: string;
  notAfter: Date | null;
}

export interface OrganizationRef {
  id: string;
  name: string;
}

/** The stored CA of `kind` for the organization (null: the platform), created by `create` when missing. */
async function ensureAuthority(
  db: Kysely<Database>,
  secrets: SecretBox,
  orgId: string | null,
  kind: AuthorityKind,
  create: () => Promise<NewAuthority> | NewAuthority,
): Promise<{ publicPart: string; sealedKey: string }> {
  const find = () =>
    db
      .selectFrom('certificate_authorities')
      .select(['public_part', 'private_key_sealed'])
      .where('kind', '=', kind)
      .where('org_id', orgId === null ? 'is' : '=', orgId)
      .executeTakeFirst();
  let row = await find();
  if (!row) {
    const created = await create();
    await db
      .insertInto('certificate_authorities')
      .values({
        id: newId(),
        org_id: orgId,
        kind,
        public_part: created.publicPart,
        private_key_sealed: secrets.seal(created.privateKeyPem),
        not_after: created.notAfter,
      })
      // ON CONFLICT rather than catching the violation: inside a transaction, a failed insert would abort it.
      .onConflict((conflict) => conflict.doNothing())
      .execute();
    row = await find();
    if (!row) throw new Error(`the ${kind} certificate authority was neither created nor found`);
  }
  return { publicPart: row.public_part, sealedKey: row.private_key_sealed };
}

const x509Client = (db: Kysely<Database>, secrets: SecretBox, org: OrganizationRef) =>
  ensureAuthority(db, secrets, org.id, 'x509_client', async () => {
    const m = await createX509Authority(`${org.name} Border0 client CA`);
    return { publicPart: m.certificatePem, privateKeyPem: m.privateKeyPem, notAfter: m.notAfter };
  });

type SshAuthorityKind = 'ssh_user' | 'ssh_upstream';
const SSH_CA_NAMES: Record<SshAuthorityKind, string> = { ssh_user: 'user CA', ssh_upstream: 'upstream CA' };

const sshCa = (db: Kysely<Database>, secrets: SecretBox, org: OrganizationRef, kind: SshAuthorityKind) =>
  ensureAuthority(db, secrets, org.id, kind, () => {
    const m = createSshAuthority(`${org.name} Border0 ${SSH_CA_NAMES[kind]}`);
    return { publicPart: m.publicKeyLine, privateKeyPem: m.privateKeyPem, notAfter: null };
  });

/** The organization's X.509 client CA, ready to sign. */
export async function organizationX509Authority(
  db: Kysely<Database>,
  secrets: SecretBox,
  org: OrganizationRef,
): Promise<X509Authority> {
  const row = await x509Client(db, secrets, org);
  return loadX509Authority(row.publicPart, secrets.open(row.sealedKey));
}

/**
 * One of the organization's SSH CAs, ready to sign: `ssh_user` for what clients present to proxies (the
 * default), `ssh_upstream` for what proxies present to upstream sshd servers.
 */
export async function organizationSshAuthority(
  db: Kysely<Database>,
  secrets: SecretBox,
  org: OrganizationRef,
  kind: SshAuthorityKind = 'ssh_user',
): Promise<SshAuthority> {
  const row = await sshCa(db, secrets, org, kind);
  return loadSshAuthority(row.publicPart, secrets.open(row.sealedKey));
}

/** What verifiers of the organization's certificates trust: the CA certificate and the SSH CA keys. */
export async function organizationTrustAnchors(
  db: Kysely<Database>,
  secrets: SecretBox,
  org: OrganizationRef,
): Promise<{ x509CaCertificate: string; sshCaPublicKey: string; sshUpstreamCaPublicKey: string }> {
  const x509 = await x509Client(db, secrets, org);
  const ssh = await sshCa(db, secrets, org, 'ssh_user');
  const upstream = await sshCa(db, secrets, org, 'ssh_upstream');
  return {
    x509CaCertificate: x509.publicPart,
    sshCaPublicKey: ssh.publicPart,
    sshUpstreamCaPublicKey: upstream.publicPart,
  };
}

/** The platform's CA for the proxies' server certificates, which belongs to no organization. */
export async function platformX509Authority(
  db: Kysely<Database>,
  secrets: SecretBox,
): Promise<X509Authority> {
  const row = await ensureAuthority(db, secrets, null, 'x509_platform', async () => {
    const m = await createX509Authority('Border0 platform CA');
    return { publicPart: m.certificatePem, privateKeyPem: m.privateKeyPem, notAfter: m.notAfter };
  });
  return loadX509Authority(row.publicPart, secrets.open(row.sealedKey));
}
