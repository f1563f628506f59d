/**
 * A database socket's upstream login as the control plane gives it, with its secrets resolved: a password or
 * a client certificate's key that is a reference is read by the connector serving the socket.
 */
import type { Schema } from '@border0/sdk';
import { resolveSecret, type SecretResolver } from './secret-reference.js';
import type { UpstreamTlsSettings } from './upstream-tls.js';

export type DatabaseCredentials = Schema<'DatabaseUpstreamCredentials'>;

export interface ResolvedDatabaseCredentials extends Omit<DatabaseCredentials, 'private_key' | 'tls'> {
  tls: UpstreamTlsSettings;
}

export async function resolveDatabaseCredentials(
  resolver: SecretResolver,
  dnsname: string,
  credentials: DatabaseCredentials,
): Promise<ResolvedDatabaseCredentials> {
  const { private_key, ...rest } = credentials;
  const password = await resolveSecret(resolver, dnsname, credentials.password, 'password');
  const key = await resolveSecret(resolver, dnsname, private_key, 'private key');
  return { ...rest, password, tls: { ...credentials.tls, client_key: key } };
}
