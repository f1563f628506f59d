/**
 * The ticket of a web terminal: a JWT (ES256, the organization's identity-token key) that lets one browser open
 * one terminal on one ssh socket through one proxy, for 60 seconds. Its audience names both the proxy and the
 * socket, so only that proxy can redeem it, and that proxy takes each ticket once (its `jti`).
 */
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import {
  IDENTITY_TOKEN_ALGORITHM,
  organizationPublicKeys,
  organizationSigningKey,
} from '../identity-tokens/signing-key-store.js';
import type { SecretBox } from '../platform/crypto/secret-box.js';
import type { Database } from '../platform/db/schema.js';

export const WEB_TERMINAL_TICKET_TTL_SECONDS = 60;

export type TerminalSubject = { email: string } | { service_account: string };

const AUDIENCE_PREFIX = 'border0-web-terminal:';
const audienceOf = (proxy: string, host: string) => `${AUDIENCE_PREFIX}${proxy}:${host}`;

/** The proxy and host a ticket names, unverified: where to take it (the proxy verifies it). */
export function ticketTarget(ticket: string): { proxy: string; host: string } | undefined {
  try {
    const { aud } = decodeJwt(ticket);
    const audience = typeof aud === 'string' ? aud : undefined;
    if (!audience?.startsWith(AUDIENCE_PREFIX)) return undefined;
    const [proxy, host] = audience.slice(AUDIENCE_PREFIX.length).split(':');
    return proxy && host ? { proxy, host } : undefined;
  } catch {
    return undefined;
  }
}

export async function signTerminalTicket(
  db: Kysely<Database>,
  secrets: SecretBox,
  input: {
    orgId: string;
    issuer: string;
    proxy: string;
    host: string;
    subject: TerminalSubject;
    /** The browser's address: the proxy decides with it (the connection to the proxy may come through the API). */
    ip: string | undefined;
  },
): Promise<{ ticket: string; expiresAt: Date }> {
  const key = await organizationSigningKey(db, secrets, input.orgId);
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + WEB_TERMINAL_TICKET_TTL_SECONDS;
  const ticket = await new SignJWT({ ...input.subject, ...(input.ip && { ip: input.ip }) })
    .setProtectedHeader({ alg: IDENTITY_TOKEN_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setIssuer(input.issuer)
    .setSubject(
      'email' in input.subject ? input.subject.email : `service-account:${input.subject.service_account}`,
    )
    .setAudience(audienceOf(input.proxy, input.host))
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(key.privateKey);
  return { ticket, expiresAt: new Date(expiresAt * 1000) };
}

export type VerifiedTicket = { subject: TerminalSubject; id: string; expiresAt: Date; ip: string | null };

/**
 * The ticket's subject when the organization's key signed it, for this proxy and host, and it has not expired.
 * (The issuer is not compared: the proxy reaches the API at another address than the browser did.)
 */
export async function verifyTerminalTicket(
  db: Kysely<Database>,
  input: { orgId: string; proxy: string; host: string; ticket: string },
): Promise<VerifiedTicket | undefined> {
  const keys = createLocalJWKSet({ keys: await organizationPublicKeys(db, input.orgId) });
  try {
    const { payload } = await jwtVerify(input.ticket, keys, {
      algorithms: [IDENTITY_TOKEN_ALGORITHM],
      audience: audienceOf(input.proxy, input.host),
      requiredClaims: ['jti', 'exp'],
    });
    const subject =
      typeof payload.email === 'string'
        ? { email: payload.email }
        : typeof payload.service_account === 'string'
          ? { service_account: payload.service_account }
          : undefined;
    if (!subject) return undefined;
    return {
      subject,
      id: payload.jti!,
      expiresAt: new Date(payload.exp! * 1000),
      ip: typeof payload.ip === 'string' ? payload.ip : null,
    };
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return undefined;
    throw error;
  }
}
