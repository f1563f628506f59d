/**
 * The server as an OIDC relying party, through openid-client: the provider's metadata (discovered, kept a few
 * minutes per provider version), the authorization request (code flow, PKCE S256, state, nonce) and the
 * code's exchange, whose checks (state, PKCE, nonce, the ID token's issuer, audience and signature, the
 * `iss` response parameter when the provider sends one) are openid-client's. Plain-HTTP issuers are reached
 * only on loopback (the schemas refuse them elsewhere).
 */
import * as oidc from 'openid-client';
import { isLoopbackIssuer } from './identity-provider-schemas.js';
import type { IdentityProviderRow } from './identity-provider-store.js';

/** How long discovered metadata is reused. */
const METADATA_TTL_MS = 5 * 60 * 1000;
/** How long a request to the provider may take. */
const TIMEOUT_SECONDS = 10;

export type Claims = Record<string, unknown>;

export interface AuthorizationRequest {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export class RelyingParty {
  readonly #configs = new Map<string, { config: Promise<oidc.Configuration>; at: number }>();

  constructor(private readonly openSecret: (sealed: string) => string) {}

  /** The provider's configuration: its discovered metadata and this client's credentials. */
  configuration(provider: IdentityProviderRow): Promise<oidc.Configuration> {
    const key = `${provider.id}:${provider.version}`;
    const cached = this.#configs.get(key);
    if (cached && Date.now() - cached.at < METADATA_TTL_MS) return cached.config;
    for (const [k] of this.#configs) if (k.startsWith(`${provider.id}:`)) this.#configs.delete(k);
    const config = this.#discover(provider);
    this.#configs.set(key, { config, at: Date.now() });
    // A failed discovery is not kept: the next login tries again.
    config.catch(() => this.#configs.delete(key));
    return config;
  }

  async #discover(provider: IdentityProviderRow): Promise<oidc.Configuration> {
    const issuer = new URL(provider.issuer);
    const secret =
      provider.client_secret_sealed === null ? undefined : this.openSecret(provider.client_secret_sealed);
    const options = {
      timeout: TIMEOUT_SECONDS,
      ...(isLoopbackIssuer(issuer) && { execute: [oidc.allowInsecureRequests] }),
    };
    // Discovery checks that the metadata names this very issuer.
    const discovered = await oidc.discovery(issuer, provider.client_id, undefined, oidc.None(), options);
    if (secret === undefined) return discovered;
    // client_secret_basic is what every provider must support (RFC 6749 §2.3.1); post when it says only that.
    const methods = discovered.serverMetadata().token_endpoint_auth_methods_supported;
    const auth =
      methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')
        ? oidc.ClientSecretPost(secret)
        : oidc.ClientSecretBasic(secret);
    const config = new oidc.Configuration(discovered.serverMetadata(), provider.client_id, secret, auth);
    config.timeout = TIMEOUT_SECONDS;
    if (isLoopbackIssuer(issuer)) oidc.allowInsecureRequests(config);
    return config;
  }

  /** Where to send the browser: the provider's authorization endpoint with a fresh state, nonce and PKCE. */
  async authorizationRequest(
    provider: IdentityProviderRow,
    redirectUri: string,
  ): Promise<AuthorizationRequest> {
    const config = await this.configuration(provider);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: provider.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state, nonce, codeVerifier };
  }

  /**
   * Trades the code of `callbackUrl` (the redirect URI with the provider's answer) for tokens, checking state,
   * PKCE and nonce: the ID token's claims, with the UserInfo answer's added when the ID token lacks the email
   * or groups claim.
   */
  async finish(
    provider: IdentityProviderRow,
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<Claims> {
    const config = await this.configuration(provider);
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      pkceCodeVerifier: checks.codeVerifier,
      idTokenExpected: true,
    });
    const claims: Claims = { ...tokens.claims() };
    const lacking = claims[provider.email_claim] === undefined || claims[provider.groups_claim] === undefined;
    if (lacking && config.serverMetadata().userinfo_endpoint) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub));
      for (const [name, value] of Object.entries(info)) if (!(name in claims)) claims[name] = value;
    }
    return claims;
  }
}
