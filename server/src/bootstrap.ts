/**
 * First start: with an empty store, create an account, an organization and its owner, and issue a one-time
 * admin token, a random password for the owner (for device login) and a token for the proxies, each written
 * to a file only the current user can read.
 */
import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { generatePassword, hashPassword } from './login/password.js';
import { setPasswordHash } from './login/password-store.js';
import { anyOrganization, createOrganization } from './organizations/organization-store.js';
import { appendAudit } from './platform/db/audit-log.js';
import type { Store } from './platform/db/database.js';
import { issueProxyToken } from './proxies/proxy-store.js';
import { issueToken } from './tokens/token-store.js';

export interface BootstrapOptions {
  organization: string;
  email: string;
  /** Where to write the admin token (mode 0600); nothing is written when absent. */
  tokenFile?: string | undefined;
  /** Where to write the proxy token (mode 0600); nothing is written when absent. */
  proxyTokenFile?: string | undefined;
  /** Where to write the owner's password (mode 0600); nothing is written when absent. */
  passwordFile?: string | undefined;
}

export interface BootstrapResult {
  organization: string;
  email: string;
  token: string;
  /** A token for the data plane's proxies (platform-level, not tied to the organization). */
  proxyToken: string;
  /** The owner's first password, for `border0 client login`; changeable with `PUT /api/v1/me/password`. */
  adminPassword: string;
}

/** Returns the new owner's token, or undefined when the store already holds an organization. */
export async function bootstrap(db: Store, options: BootstrapOptions): Promise<BootstrapResult | undefined> {
  // Hashed up front: argon2id is slow, and the transaction below holds a lock.
  const adminPassword = generatePassword();
  const passwordHash = await hashPassword(adminPassword);
  return db.transaction().execute(async (trx) => {
    // One bootstrap at a time, even with several servers starting over one database.
    await sql`select pg_advisory_xact_lock(7263001)`.execute(trx);
    if (await anyOrganization(trx)) return undefined;
    const { organization: org, owner } = await createOrganization(trx, {
      name: options.organization,
      owner: { email: options.email },
    });
    const userId = owner.id;
    await setPasswordHash(trx, userId, passwordHash);
    const { secret } = await issueToken(trx, {
      orgId: org.id,
      kind: 'admin',
      name: 'bootstrap',
      role: 'owner',
      userId,
    });
    await appendAudit(
      trx,
      { orgId: org.id, actor: 'system:bootstrap', ip: null, requestId: null },
      {
        action: 'organization.create',
        resource_type: 'organization',
        resource_id: org.id,
        details: { name: org.name },
      },
    );
    const proxy = await issueProxyToken(trx, 'bootstrap');
    if (options.tokenFile) writeFileSync(options.tokenFile, `${secret}\n`, { mode: 0o600 });
    if (options.proxyTokenFile) writeFileSync(options.proxyTokenFile, `${proxy.token}\n`, { mode: 0o600 });
    if (options.passwordFile) writeFileSync(options.passwordFile, `${adminPassword}\n`, { mode: 0o600 });
    return {
      organization: org.name,
      email: options.email.toLowerCase(),
      token: secret,
      proxyToken: proxy.token,
      adminPassword,
    };
  });
}
