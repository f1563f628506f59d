/// <reference path="./oidc-provider.d.ts" />
/**
 * A CI system's OIDC issuer, played by a real OpenID Connect provider (oidc-provider) on loopback: each CI
 * job is a client that gets a signed JWT with the client credentials grant (RFC 6749 §4.4) and a resource
 * indicator (RFC 8707) as its audience, the way a job asks its CI for an OIDC token. The token's `sub` is the
 * client id; the claims a client is given (e.g. `repository`) are added to its tokens.
 *
 * @example
 * const ci = await startTestCiIssuer({ jobs: { 'acme-app': { repository: 'acme/app' } } });
 * const jwt = await ci.token('acme-app', 'https://border0.test');
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface TestCiIssuer {
  /** `http://127.0.0.1:<port>` */
  issuer: string;
  /** A signed OIDC token of `job` whose `aud` is `audience` (an absolute URI). */
  token(job: string, audience: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestCiIssuer(options: {
  /** The jobs by client id, with the extra claims of their tokens. */
  jobs: Record<string, Record<string, string>>;
  /** Seconds a token lives (default 300). */
  ttlSeconds?: number;
}): Promise<TestCiIssuer> {
  const secrets = new Map(
    Object.keys(options.jobs).map((job) => [job, randomBytes(24).toString('base64url')]),
  );
  let callback: ReturnType<Provider['callback']> | undefined;
  const server = createServer((req, res) => callback!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'ci', alg: 'ES256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients: [...secrets].map(([job, secret]) => ({
      client_id: job,
      client_secret: secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      // The issuer signs with an EC key only: the default (RS256) would make the client invalid.
      id_token_signed_response_alg: 'ES256',
    })),
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Any audience the job asks for, as a CI system issues them: a JWT signed with the issuer's key.
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => ({
          audience: resource,
          scope: '',
          accessTokenFormat: 'jwt',
          accessTokenTTL: options.ttlSeconds ?? 300,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    ttl: { ClientCredentials: options.ttlSeconds ?? 300 },
    extraTokenClaims: (_ctx: KoaContextWithOIDC, token: { clientId?: string }) =>
      options.jobs[token.clientId ?? ''] ?? {},
  });
  callback = provider.callback();

  async function token(job: string, audience: string): Promise<string> {
    const secret = secrets.get(job);
    if (!secret) throw new Error(`no CI job ${job}`);
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${job}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: audience }).toString(),
    });
    const body = (await res.json()) as { access_token?: string; error_description?: string };
    if (!res.ok || !body.access_token)
      throw new Error(`the CI issuer answered ${res.status}: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  return {
    issuer,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
