/**
 * TOTP second factors (RFC 6238: SHA-1, 6 digits, 30 s) with otpauth. A code is accepted for its own step and
 * one step either side; the caller keeps the step of the last accepted code and never accepts it or an
 * earlier one again. Codes are compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

const PERIOD = 30;
const DIGITS = 6;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URL an authenticator app reads (as a QR code or pasted). */
export function totpUrl(secret: string, account: string): string {
  return totp(secret, account).toString();
}

/** The code of `secret` at `now` (tests and the contract's world use it to answer). */
export function totpCode(secret: string, now = Date.now()): string {
  return totp(secret).generate({ timestamp: now });
}

/**
 * The time step `code` belongs to, when it is right for now or one step either side and later than
 * `lastUsedStep`; undefined otherwise.
 */
export function acceptTotp(
  secret: string,
  code: string,
  lastUsedStep: number | null,
  now = Date.now(),
): number | undefined {
  const given = Buffer.from(code.replace(/\s/g, ''));
  const current = Math.floor(now / 1000 / PERIOD);
  let accepted: number | undefined;
  // Every candidate is compared, so the time taken does not tell which step matched.
  for (const step of [current - 1, current, current + 1]) {
    const expected = Buffer.from(totp(secret).generate({ timestamp: step * PERIOD * 1000 }));
    const same = given.length === expected.length && timingSafeEqual(given, expected);
    if (same && (lastUsedStep === null || step > lastUsedStep)) accepted ??= step;
  }
  return accepted;
}

function totp(secret: string, account = 'border0') {
  return new TOTP({
    issuer: 'Border0',
    label: account,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });
}
