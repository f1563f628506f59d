/**
 * API tokens: `b0_<kind>_<random>`; only a SHA-256 digest is stored. A high-entropy secret makes a plain
 * digest safe (no password hashing needed), and lookups by digest plus a constant-time check avoid timing leaks.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenKind = 'admin' | 'service_account' | 'connector';
/** Proxies' tokens belong to the platform, not to an organization, and live in their own table. */
export type SecretKind = TokenKind | 'proxy';

const PREFIX: Record<SecretKind, string> = {
  admin: 'b0a',
  service_account: 'b0s',
  connector: 'b0c',
  proxy: 'b0p',
};

export const PROXY_TOKEN_PREFIX = `${PREFIX.proxy}_`;

export function generateTokenSecret(kind: SecretKind): string {
  return `${PREFIX[kind]}_${randomBytes(32).toString('base64url')}`;
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function tokenMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashTokenSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
