/**
 * How long an issued certificate is valid: at most an hour, never past the token that asked for it. Access is
 * decided on the holder's current standing at every connection anyway; a short life bounds what a stolen
 * certificate is worth, and the CLI renews a quarter of an hour before the end.
 */

export const MAX_CERTIFICATE_TTL_SECONDS = 60 * 60;
export const MIN_CERTIFICATE_TTL_SECONDS = 60;
/** Certificates start a minute in the past, so a verifier whose clock is a little behind accepts them. */
export const CLOCK_SKEW_MS = 60_000;

export interface ValidityWindow {
  notBefore: Date;
  notAfter: Date;
}

export function validityWindow(
  ttlSeconds: number = MAX_CERTIFICATE_TTL_SECONDS,
  options: { now?: Date; notLaterThan?: Date | null } = {},
): ValidityWindow {
  const now = options.now ?? new Date();
  // Whole seconds: OpenSSH certificates count in seconds, and X.509 times drop the milliseconds.
  const start = Math.floor(now.getTime() / 1000) * 1000;
  const ttl = Math.min(Math.max(ttlSeconds, MIN_CERTIFICATE_TTL_SECONDS), MAX_CERTIFICATE_TTL_SECONDS);
  let end = start + ttl * 1000;
  if (options.notLaterThan) end = Math.min(end, Math.floor(options.notLaterThan.getTime() / 1000) * 1000);
  return { notBefore: new Date(start - CLOCK_SKEW_MS), notAfter: new Date(end) };
}
