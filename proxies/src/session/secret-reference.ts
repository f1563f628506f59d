/**
 * Secret references (`${from:env:NAME}`, `${from:file:PATH}`) name a secret that only the connector serving
 * the socket can read. Until connectors resolve them, a proxy must never send the reference text upstream as
 * if it were the secret (a wrong password, possibly counted towards a lockout): the login fails, saying why.
 */
const REFERENCE = /^\$\{from:(env|file):.+\}$/;

export class UnresolvedSecretError extends Error {
  override readonly name = 'UnresolvedSecretError';
}

/** The secret itself; throws when it is a reference that nobody resolved. */
export function literalSecret<T extends string | undefined>(value: T, field: string): T {
  if (value !== undefined && REFERENCE.test(value.trim())) {
    throw new UnresolvedSecretError(
      `the socket's ${field} is a reference (${value.trim()}) that this proxy cannot resolve: store the secret itself`,
    );
  }
  return value;
}
