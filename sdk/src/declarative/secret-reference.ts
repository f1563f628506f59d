/**
 * Secrets in a resources document are references, never values: `${from:env:NAME}` names an environment
 * variable that holds the secret when the document is applied. The API never returns a write-only secret
 * (it answers `password_set`), so a plan compares a secret by whether one is stored, and `export` writes a
 * reference for each stored secret.
 */

/** The write-only fields of a socket's `upstream_configuration`. */
export const SECRET_FIELDS = ['password', 'private_key'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

const $ = '$';
const REFERENCE = /^\$\{from:env:([A-Za-z_][A-Za-z0-9_]*)\}$/;

export function isSecretReference(value: unknown): value is string {
  return typeof value === 'string' && REFERENCE.test(value);
}

/** `${from:env:NAME}` */
export function secretReference(variable: string): string {
  return `${$}{from:env:${variable}}`;
}

/** The environment variable that `export` names for a socket's secret: `db-prod`, `password` → `DB_PROD_PASSWORD`. */
export function secretVariable(socket: string, field: SecretField): string {
  return `${socket}_${field}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** The secret a reference names, from `env`; throws naming `path` when the variable is not set. */
export function resolveSecret(
  reference: string,
  env: Record<string, string | undefined>,
  path: string,
): string {
  const variable = REFERENCE.exec(reference)?.[1];
  if (!variable) throw new Error(`${path}: not a secret reference`);
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new Error(`${path}: the environment variable ${variable} that it names is not set`);
  }
  return value;
}
