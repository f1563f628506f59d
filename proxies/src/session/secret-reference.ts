/**
 * Secret references (`${from:env:NAME}`, `${from:file:PATH}`) name a secret that only the connector serving
 * the socket can read: the proxy asks that connector through the tunnel when a login needs one, and never
 * sends the reference text upstream as if it were the secret (a wrong password, possibly counted towards a
 * lockout).
 */
import { parseSecretReference } from '@border0/protocol';
import type { TunnelServer } from '../tunnel/tunnel-server.js';

export class UnresolvedSecretError extends Error {
  override readonly name = 'UnresolvedSecretError';
}

/** What can resolve a reference for a socket: the tunnel server, in production. */
export type SecretResolver = Pick<TunnelServer, 'resolveSecret'>;

/**
 * The secret `value` stands for: itself, or, when it is a reference, what the connector serving `dnsname`
 * resolves it to. Throws {@link UnresolvedSecretError} naming the `field` and the connector's reason.
 */
export async function resolveSecret<T extends string | null | undefined>(
  resolver: SecretResolver,
  dnsname: string,
  value: T,
  field: string,
): Promise<T | string> {
  if (value === null || value === undefined || !parseSecretReference(value)) return value;
  try {
    return await resolver.resolveSecret(dnsname, value.trim());
  } catch (error) {
    throw new UnresolvedSecretError(`the socket's ${field}: ${(error as Error).message}`, { cause: error });
  }
}
