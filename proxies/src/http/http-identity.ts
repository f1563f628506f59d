/**
 * Who makes a request to an HTTP socket: the control plane answers for a bearer token (a service account's or
 * a person's API token) or a web session (the proxy's cookie), and exchanges the one-time code of a browser
 * login for a web session. It says only who; the proxy decides policy itself. Answers are cached for as long
 * as the control plane allows (`cache_seconds`), by a hash of the credential, in a bounded map.
 */
import { createHash } from 'node:crypto';
import { type Border0Client, Border0Error } from '@border0/sdk';
import { ExpiringLru } from '../control-plane/expiring-lru.js';

export type HttpCredential = { bearer_token: string } | { web_session_token: string };

export interface HttpIdentity {
  organization_id: string;
  socket_id: string;
  user_email?: string | undefined;
  service_account?: string | undefined;
  /** A JWT (a few minutes) signed by the organization's key, for the upstream: `X-Border0-Identity`. */
  identity_token: string;
  identity_token_expires_at: string;
  cache_seconds: number;
}

/** `invalid`: the credential names nobody (or someone of another organization); `not-http`: no such socket. */
export type IdentifyResult = HttpIdentity | 'invalid' | 'not-http';

export interface WebSession {
  web_session_token: string;
  expires_at: string;
}

export interface HttpIdentityLookup {
  identify(host: string, credential: HttpCredential): Promise<IdentifyResult>;
  /** Exchanges a login's one-time code for a web session on `host`; undefined when the code is not valid. */
  exchangeCode(code: string, host: string): Promise<WebSession | undefined>;
}

/** An identity token is not handed out within this long of its expiry: the lookup is made again. */
const TOKEN_MARGIN_MS = 30_000;
const MAX_CACHED = 10_000;

/**
 * The control plane's answers through the SDK (`POST /api/v1/proxy/http-identity`, `/proxy/web-sessions`).
 *
 * @example
 * const identities = new ControlPlaneHttpIdentity(client);
 * const who = await identities.identify('web-acme.border0.test', { bearer_token: token });
 */
export class ControlPlaneHttpIdentity implements HttpIdentityLookup {
  readonly #client: Border0Client;
  readonly #cache = new ExpiringLru<{ result: IdentifyResult; until: number }>(MAX_CACHED, Infinity);
  readonly #now: () => number;

  constructor(client: Border0Client, now: () => number = Date.now) {
    this.#client = client;
    this.#now = now;
  }

  async identify(host: string, credential: HttpCredential): Promise<IdentifyResult> {
    const key = cacheKey(host, credential);
    const cached = this.#cache.get(key);
    if (cached && cached.until > this.#now()) return cached.result;
    try {
      const identity = (await this.#client.post(
        '/api/v1/proxy/http-identity' as never,
        {
          body: { host, ...credential },
        } as never,
      )) as HttpIdentity;
      const tokenUntil = Date.parse(identity.identity_token_expires_at) - TOKEN_MARGIN_MS;
      const until = Math.min(this.#now() + identity.cache_seconds * 1000, tokenUntil);
      if (until > this.#now()) this.#cache.set(key, { result: identity, until });
      return identity;
    } catch (error) {
      if (error instanceof Border0Error && (error.status === 401 || error.status === 404)) {
        const result = error.status === 401 ? 'invalid' : 'not-http';
        // Refusals are remembered briefly, so that a client repeating a bad token does not reach the API.
        this.#cache.set(key, { result, until: this.#now() + 2_000 });
        return result;
      }
      throw error;
    }
  }

  /** Forgets what is cached (a revocation the proxy heard of). */
  forget(): void {
    this.#cache.clear();
  }

  async exchangeCode(code: string, host: string): Promise<WebSession | undefined> {
    try {
      return (await this.#client.post(
        '/api/v1/proxy/web-sessions' as never,
        {
          body: { code, host },
        } as never,
      )) as WebSession;
    } catch (error) {
      if (error instanceof Border0Error && error.status >= 400 && error.status < 500) return undefined;
      throw error;
    }
  }
}

function cacheKey(host: string, credential: HttpCredential): string {
  const [kind, secret] =
    'bearer_token' in credential ? ['b', credential.bearer_token] : ['w', credential.web_session_token];
  return `${host}\n${kind}\n${createHash('sha256').update(secret).digest('base64url')}`;
}
