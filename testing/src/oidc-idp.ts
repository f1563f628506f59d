/// <reference path="./oidc-provider.d.ts" />
/**
 * A real OpenID Connect provider (oidc-provider) on loopback, for the login tests: one confidential client
 * (client_secret_basic, PKCE required), test users whose claims are email, email_verified and groups (in the
 * ID token and at UserInfo), a plain login page at `/interaction/{uid}` where a user name is typed (no
 * password: the test decides who logs in), and consent granted by itself for the requested scopes.
 *
 * @example
 * const idp = await startTestIdp({ redirectUris: ['http://test/login/oidc/callback'],
 *   users: { amy: { email: 'amy@acme.dev', email_verified: true, groups: ['eng'] } } });
 * const callback = await idp.logIn(authorizationUrl, 'amy'); // the redirect back, with code and state
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface TestIdpUser {
  email?: string;
  email_verified?: boolean;
  groups?: string[];
  name?: string;
}

export interface TestIdp {
  /** `http://127.0.0.1:<port>` */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The users by login name; change them between logins as a directory would. */
  users: Map<string, TestIdpUser>;
  /**
   * Goes through the provider's login as `user`, starting at the authorization URL a relying party sent the
   * browser to: the URL the provider finally redirects to (the relying party's redirect URI with its answer).
   */
  logIn(authorizationUrl: string | URL, user: string): Promise<URL>;
  close(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function loginPage(uid: string, error = '') {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Test IdP login</title></head><body>
<h1>Test IdP</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="user">User</label><input id="user" name="user" autocomplete="off">
<button type="submit">Sign in to the IdP</button>
</form></body></html>`;
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 64 * 1024) break;
  }
  return new URLSearchParams(text);
}

export async function startTestIdp(options: {
  redirectUris: string[];
  users: Record<string, TestIdpUser>;
  clientId?: string;
  clientSecret?: string;
}): Promise<TestIdp> {
  const users = new Map(Object.entries(options.users));
  const clientId = options.clientId ?? 'border0';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  let provider: Provider | undefined;
  let providerCallback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const server = createServer((req, res) => {
    void (async () => {
      const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(
        new URL(req.url ?? '/', 'http://idp').pathname,
      );
      if (!match || !provider) return providerCallback!(req, res);
      const uid = match[1]!;
      if (req.method === 'GET' && !match[2]) {
        await provider.interactionDetails(req, res);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(loginPage(uid));
      }
      if (req.method === 'POST' && match[2]) {
        const user = (await formBody(req)).get('user') ?? '';
        if (!users.has(user)) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(loginPage(uid, `no such user: ${user}`));
        }
        return provider.interactionFinished(
          req,
          res,
          { login: { accountId: user } },
          { mergeWithLastSubmission: false },
        );
      }
      res.writeHead(405).end();
    })().catch((error: Error) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(error.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test', alg: 'RS256', use: 'sig' };
  provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'groups'],
    },
    // The claims of the granted scopes go in the ID token too, as many providers do.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: 600,
      IdToken: 600,
      AuthorizationCode: 60,
    },
    interactions: {
      url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
      const user = users.get(sub);
      if (!user) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...users.get(sub) }) };
    },
    // Consent for this first-party client is given by itself, for the scopes asked.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session, params } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(String(params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
  });
  providerCallback = provider.callback();

  async function logIn(authorizationUrl: string | URL, user: string): Promise<URL> {
    const jar = new Map<string, string>();
    let url = new URL(authorizationUrl);
    let init: RequestInit = {};
    for (let hop = 0; hop < 10; hop++) {
      const headers = new Headers(init.headers);
      if (url.origin === issuer && jar.size > 0) {
        headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      }
      const res = await fetch(url, { ...init, headers, redirect: 'manual' });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, value = ''] = pair!.split(/=(.*)/s);
        if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name!.trim());
        else jar.set(name!.trim(), value);
      }
      const location = res.headers.get('location');
      if (location) {
        url = new URL(location, url);
        init = {};
        if (url.origin !== issuer) return url;
        continue;
      }
      await res.arrayBuffer();
      const login = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
      if (res.status !== 200 || !login) throw new Error(`the IdP answered ${res.status} at ${url}`);
      url = new URL(`/interaction/${login[1]}/login`, issuer);
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ user }).toString(),
      };
    }
    throw new Error('the IdP redirected too often');
  }

  return {
    issuer,
    clientId,
    clientSecret,
    users,
    logIn,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
