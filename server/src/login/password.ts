/**
 * Passwords of local accounts: argon2id (hash-wasm, pure WebAssembly) in the PHC string format, so the
 * parameters travel with each hash and can be raised later without a migration.
 */
import { randomBytes } from 'node:crypto';
import { argon2id, argon2Verify } from 'hash-wasm';

/** OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): tens of milliseconds per check here. */
const PARAMS = { parallelism: 1, iterations: 2, memorySize: 19_456, hashLength: 32 } as const;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

export async function hashPassword(password: string): Promise<string> {
  return argon2id({ ...PARAMS, password, salt: randomBytes(16), outputType: 'encoded' });
}

/**
 * Checks `password` against `hash`. Without a hash (unknown account, or one without a password) it still
 * spends one argon2id computation, so timing does not tell which accounts exist.
 */
export async function verifyPassword(password: string, hash: string | null | undefined): Promise<boolean> {
  if (!hash) {
    await argon2Verify({ password, hash: await dummyHash() });
    return false;
  }
  try {
    return await argon2Verify({ password, hash });
  } catch {
    // A malformed stored hash fails closed.
    return false;
  }
}

let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}

/** A random password for a first owner: 24 characters of base64url (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
