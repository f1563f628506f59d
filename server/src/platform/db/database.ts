/**
 * Opens the control plane's store: PostgreSQL when a URL is given, otherwise embedded PGlite in a data
 * directory. Both run the same migrations and the same queries.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, type Migration, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './kysely-pglite-dialect.js';
import * as initial from './migrations/0001-initial.js';
import * as recordingsBySession from './migrations/0002-recordings-by-session.js';
import * as certificateAuthorities from './migrations/0003-certificate-authorities.js';
import * as proxies from './migrations/0004-proxies.js';
import * as userPasswords from './migrations/0005-user-passwords.js';
import * as deviceLogin from './migrations/0006-device-login.js';
import * as loginRefresh from './migrations/0007-login-refresh.js';
import * as recordingChunks from './migrations/0008-recording-chunks.js';
import * as sshHostKeys from './migrations/0009-ssh-host-keys.js';
import * as accountsInvitationsEvidence from './migrations/0010-accounts-invitations-evidence.js';
import * as recordingInput from './migrations/0011-recording-input.js';
import * as auditClientRequestId from './migrations/0012-audit-client-request-id.js';
import * as sessionLeases from './migrations/0013-session-leases.js';
import * as sessionAttempts from './migrations/0014-session-attempts.js';
import * as webIdentity from './migrations/0015-web-identity.js';
import * as identityProviders from './migrations/0016-identity-providers.js';
import * as connectorDiscovery from './migrations/0017-connector-discovery.js';
import * as serviceAccountWebIdentities from './migrations/0018-service-account-web-identities.js';
import type { Database } from './schema.js';

export type Store = Kysely<Database>;

export interface StoreOptions {
  /** `postgres://...` for PostgreSQL. */
  databaseUrl?: string | undefined;
  /** Directory of the embedded store; `memory://` keeps it in memory. */
  dataDir?: string | undefined;
}

const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-recordings-by-session': recordingsBySession,
  '0003-certificate-authorities': certificateAuthorities,
  '0004-proxies': proxies,
  '0005-user-passwords': userPasswords,
  '0006-device-login': deviceLogin,
  '0007-login-refresh': loginRefresh,
  '0008-recording-chunks': recordingChunks,
  '0009-ssh-host-keys': sshHostKeys,
  '0010-accounts-invitations-evidence': accountsInvitationsEvidence,
  '0011-recording-input': recordingInput,
  '0012-audit-client-request-id': auditClientRequestId,
  '0013-session-leases': sessionLeases,
  '0014-session-attempts': sessionAttempts,
  '0015-web-identity': webIdentity,
  '0016-identity-providers': identityProviders,
  '0017-connector-discovery': connectorDiscovery,
  '0018-service-account-web-identities': serviceAccountWebIdentities,
};

export async function openStore(options: StoreOptions): Promise<Store> {
  const db = new Kysely<Database>({ dialect: createDialect(options) });
  const { error, results } = await new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
  return db;
}

function createDialect(options: StoreOptions) {
  if (options.databaseUrl) {
    // bigint columns come back as strings; they are converted where they are read.
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle connection can die under the pool (a database restart, an administrator's terminate): pg then
    // emits 'error' on the pool, which would crash the process unhandled. The pool drops that connection and
    // the next query opens a new one; queries in flight fail on their own and are answered as errors.
    pool.on('error', () => {});
    return new PostgresDialect({ pool });
  }
  const dir = options.dataDir ?? 'memory://';
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  return new PGliteDialect(new PGlite(dir));
}
