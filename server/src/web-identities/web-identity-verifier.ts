/**
 * Checks an OIDC token (a signed JWT) against the web identities a service account trusts: the issuer must be
 * one of them exactly; its keys are found through OIDC discovery (openid-client: the metadata must name that
 * very issuer) and its JWKS (jose, which also picks the key and checks the signature); the algorithm must be
 * an asymmetric one (never `none`, never HMAC); `exp` must be present and, like `nbf` and `iat` (not in the
 * future), hold within a small clock skew; then one trust of that issuer must match: `aud` names its audience, `sub` matches its subject,
 * every claim it requires matches. Only issuers an admin configured are ever fetched, never a token's
 * unverified `iss` by itself; plain HTTP only on loopback (tests and labs).
 */
import { createRemoteJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { isLoopbackIssuer } from '../identity-providers/identity-provider-schemas.js';
import { claimMatches } from './claim-pattern.js';
import type { WebIdentityRow } from './web-identity-store.js';

/** Public-key signatures only: `none` and the HMAC family (a shared secret is no issuer's proof) are refused. */
export const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
/** How far the issuer's clock may be from ours, for `exp` and `nbf`. */
export const CLOCK_SKEW_SECONDS = 30;
/** How long an issuer's discovered metadata and key set are reused. */
const METADATA_TTL_MS = 10 * 60 * 1000;
const TIMEOUT_SECONDS = 10;

/** Why a token was refused: for the audit log only, never told to the caller. */
export type Refusal =
  | 'malformed'
  | 'untrusted_issuer'
  | 'issuer_unreachable'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'invalid_claims'
  | 'audience'
  | 'subject'
  | 'claims';

export type Verdict =
  | { ok: true; trust: WebIdentityRow; claims: JWTPayload }
  | { ok: false; reason: Refusal; issuer?: string };

type KeySet = ReturnType<typeof createRemoteJWKSet>;

const reachable = (url: URL) => url.protocol === 'https:' || isLoopbackIssuer(url);

export class WebIdentityVerifier {
  readonly #issuers = new Map<string, { keys: Promise<KeySet>; at: number }>();

  /** The issuer's key set, from its discovered `jwks_uri`; a failed discovery is not kept. */
  keysOf(issuer: string): Promise<KeySet> {
    const cached = this.#issuers.get(issuer);
    if (cached && Date.now() - cached.at < METADATA_TTL_MS) return cached.keys;
    const keys = this.#discover(issuer);
    this.#issuers.set(issuer, { keys, at: Date.now() });
    keys.catch(() => this.#issuers.delete(issuer));
    return keys;
  }

  async #discover(issuer: string): Promise<KeySet> {
    const url = new URL(issuer);
    if (!reachable(url)) throw new Error(`issuer ${issuer} is not https`);
    const config = await oidc.discovery(url, 'border0', undefined, oidc.None(), {
      timeout: TIMEOUT_SECONDS,
      ...(isLoopbackIssuer(url) && { execute: [oidc.allowInsecureRequests] }),
    });
    const jwksUri = config.serverMetadata().jwks_uri;
    if (!jwksUri || !reachable(new URL(jwksUri))) throw new Error(`issuer ${issuer} names no https jwks_uri`);
    return createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: TIMEOUT_SECONDS * 1000 });
  }

  /** Whether `token` is a valid token of one of `trusts`, and which. */
  async verify(trusts: WebIdentityRow[], token: string): Promise<Verdict> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof issuer !== 'string') return { ok: false, reason: 'malformed' };
    const candidates = trusts.filter((t) => t.issuer === issuer);
    if (candidates.length === 0) return { ok: false, reason: 'untrusted_issuer' };
    let keys: KeySet;
    try {
      keys = await this.keysOf(issuer);
    } catch {
      return { ok: false, reason: 'issuer_unreachable', issuer };
    }
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, {
        issuer,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['exp', 'sub', 'aud'],
      }));
    } catch (error) {
      return { ok: false, reason: refusalOf(error), issuer };
    }
    // A token issued in the future (beyond the skew) is as early as one before its `nbf`.
    if (typeof claims.iat === 'number' && claims.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) {
      return { ok: false, reason: 'not_yet_valid', issuer };
    }
    const byAudience = candidates.filter((t) => audiences(claims).includes(t.audience));
    if (byAudience.length === 0) return { ok: false, reason: 'audience', issuer };
    const bySubject = byAudience.filter((t) => claimMatches(t.subject, claims.sub));
    if (bySubject.length === 0) return { ok: false, reason: 'subject', issuer };
    const trust = bySubject.find((t) =>
      Object.entries(t.claims).every(([name, pattern]) => claimMatches(pattern, claims[name])),
    );
    if (!trust) return { ok: false, reason: 'claims', issuer };
    return { ok: true, trust, claims };
  }
}

const audiences = (claims: JWTPayload): string[] =>
  typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];

function refusalOf(error: unknown): Refusal {
  switch ((error as { code?: string }).code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return (error as { claim?: string }).claim === 'nbf' ? 'not_yet_valid' : 'invalid_claims';
    case 'ERR_JWKS_TIMEOUT':
      return 'issuer_unreachable';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'malformed';
    default:
      // A bad signature, an algorithm not allowed, no key of the header's `kid`, or a key set that failed.
      return 'signature';
  }
}
