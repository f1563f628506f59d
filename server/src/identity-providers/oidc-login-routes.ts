/**
 * Logging in through an organization's identity provider (OIDC, authorization code with PKCE):
 * `GET /login/oidc/{id}?return_to=<url>` sends the browser to the provider with a fresh state, nonce and code
 * challenge (the state also in a cookie of this browser, so that nobody can complete a login someone else
 * started); `GET /login/oidc/callback` takes the state once, trades the code, requires an email the provider
 * has not marked unverified, admits the member (or the invited person) of the provider's organization, syncs
 * their groups, and logs the browser in with the same cookie and code hand-off as the password login.
 */
import { timingSafeEqual } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { findOrganization } from '../organizations/organization-store.js';
import type { AppEnv } from '../platform/http/env.js';
import { escapeHtml, page, securityHeaders } from '../platform/http/html-page.js';
import { clientIp } from '../platform/http/mutation.js';
import { RateLimiter } from '../platform/http/rate-limit.js';
import type { Services } from '../services.js';
import { setLoginCookie } from '../web-login/browser-cookies.js';
import { type LoginOption, loginContinuation } from '../web-login/login-page.js';
import { startLoginSession } from '../web-login/login-session-store.js';
import { returnTarget } from '../web-login/return-to.js';
import {
  enabledIdentityProviders,
  findEnabledIdentityProvider,
  type IdentityProviderRow,
} from './identity-provider-store.js';
import { OIDC_LOGIN_TTL_SECONDS, saveOidcLogin, takeOidcLogin } from './oidc-login-state-store.js';
import { admitThroughProvider, groupNames } from './oidc-member.js';
import type { Claims, RelyingParty } from './oidc-relying-party.js';

export const CALLBACK_PATH = '/login/oidc/callback';
const STATE_COOKIE = 'border0_oidc_state';
/** Logins started per client address per minute: each stores a state. */
export const STARTS_PER_ADDRESS_PER_MINUTE = 30;

const isHttps = (c: Context) => new URL(c.req.url).protocol === 'https:';
/** A login page's `return_to`, bounded like the login page bounds it. */
const returnToOf = (c: Context) => (c.req.query('return_to') ?? '').slice(0, 2048);

/** The login page's buttons: one per enabled identity provider of the organization. */
export function identityProviderButtons(services: Services) {
  return async (orgId: string, returnTo: string): Promise<LoginOption[]> => {
    const providers = await enabledIdentityProviders(services.db, orgId);
    const query = returnTo ? `?${new URLSearchParams({ return_to: returnTo })}` : '';
    return providers.map((p) => ({ label: p.display_name ?? p.name, href: `/login/oidc/${p.id}${query}` }));
  };
}

function refusal(c: Context<AppEnv>, status: 400 | 403 | 404 | 429 | 502, title: string, text: string) {
  return c.html(
    page(
      title,
      `<p class="error" role="alert">${escapeHtml(text)}</p>\n<p><a href="/login">Back to the login page</a></p>`,
    ),
    status,
    securityHeaders(),
  );
}

/** The claim's value when it is a string an email can be. */
function emailOf(claims: Claims, claim: string): string | undefined {
  const value = claims[claim];
  if (typeof value !== 'string') return undefined;
  const email = value.trim().toLowerCase();
  return email.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(email) ? email : undefined;
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
};

export function oidcLoginRoutes(services: Services, relyingParty: RelyingParty) {
  const app = new Hono<AppEnv>();
  const { db } = services;
  const starts = new RateLimiter(STARTS_PER_ADDRESS_PER_MINUTE, 60_000);
  const continueLogin = loginContinuation(services);
  const redirectUri = (c: Context) => `${services.publicUrl ?? new URL(c.req.url).origin}${CALLBACK_PATH}`;

  app.get(CALLBACK_PATH, async (c) => {
    const logger = c.get('logger');
    const state = c.req.query('state') ?? '';
    const cookieState = getCookie(c, STATE_COOKIE) ?? '';
    deleteCookie(c, STATE_COOKIE, { path: '/login/oidc', secure: isHttps(c) });
    const providerError = c.req.query('error');
    if (providerError !== undefined) {
      const described = c.req.query('error_description');
      return refusal(
        c,
        403,
        'Login refused',
        `The identity provider did not log you in (${providerError.slice(0, 100)}${described ? `: ${described.slice(0, 300)}` : ''}).`,
      );
    }
    // The state must be the one this browser was given, and a live one never used.
    if (!sameText(state, cookieState)) {
      return refusal(c, 400, 'Login failed', 'This login was not started in this browser. Start again.');
    }
    const login = await takeOidcLogin(db, state);
    if (!login) {
      return refusal(
        c,
        400,
        'Login failed',
        'The login is unknown, took too long or was already used. Start again.',
      );
    }
    const provider = await findEnabledIdentityProvider(db, login.providerId);
    if (!provider || provider.org_id !== login.orgId) {
      return refusal(c, 400, 'Login failed', 'The identity provider is no longer enabled.');
    }
    const callback = new URL(`${redirectUri(c)}${new URL(c.req.url).search}`);
    let claims: Claims;
    try {
      claims = await relyingParty.finish(provider, callback, {
        state,
        nonce: login.nonce,
        codeVerifier: services.secrets.open(login.codeVerifierSealed),
      });
    } catch (error) {
      logger.warn({ err: error, identity_provider: provider.name }, 'identity provider login refused');
      return refusal(
        c,
        403,
        'Login refused',
        `The answer of the identity provider ${provider.display_name ?? provider.name} could not be verified. Start again, or ask an administrator.`,
      );
    }
    const email = emailOf(claims, provider.email_claim);
    if (!email) {
      return refusal(
        c,
        403,
        'Login refused',
        `The identity provider sent no email address (claim ${provider.email_claim}).`,
      );
    }
    if (claims.email_verified === false || claims.email_verified === 'false') {
      return refusal(
        c,
        403,
        'Login refused',
        `The identity provider has not verified the email address ${email}.`,
      );
    }
    const admitted = await admitThroughProvider(services, {
      orgId: provider.org_id,
      providerName: provider.name,
      email,
      groups: groupNames(claims[provider.groups_claim]),
      ip: clientIp(c),
      requestId: c.get('requestId') ?? null,
    });
    if (!admitted.ok) {
      const org = await findOrganization(db, provider.org_id);
      const name = org?.display_name ?? org?.name ?? 'this organization';
      logger.info({ identity_provider: provider.name, email }, 'identity provider login of a non-member');
      return refusal(
        c,
        403,
        'Access refused',
        `${email} is not a member of ${name} and has no invitation to it. Ask an administrator of ${name} to invite ${email}.`,
      );
    }
    const started = await startLoginSession(db, {
      userId: admitted.userId,
      ip: clientIp(c),
      stage: 'active',
    });
    setLoginCookie(c, started.token, started.expiresAt);
    logger.info(
      {
        user_id: admitted.userId,
        identity_provider: provider.name,
        joined: admitted.joined,
        groups_added: admitted.groupsAdded,
        groups_removed: admitted.groupsRemoved,
      },
      'browser login through an identity provider',
    );
    return continueLogin(
      c,
      { id: started.id, userId: admitted.userId, email, expiresAt: started.expiresAt },
      login.returnTo,
    );
  });

  app.get('/login/oidc/:id', async (c) => {
    const returnTo = returnToOf(c);
    const address = clientIp(c);
    const wait = address === null ? 0 : starts.take(address);
    if (wait > 0) return refusal(c, 429, 'Slow down', `Too many logins. Try again in ${wait} seconds.`);
    const provider = await findEnabledIdentityProvider(db, c.req.param('id'));
    if (!provider)
      return refusal(c, 404, 'Login failed', 'There is no such identity provider, or it is disabled.');
    // A socket's login goes through that socket's organization's providers only.
    const target = await returnTarget(db, services.baseDomain, returnTo);
    if (target && target.orgId !== provider.org_id) {
      return refusal(
        c,
        400,
        'Login failed',
        'This identity provider is not one of the organization of that address.',
      );
    }
    return startLogin(c, provider, returnTo);
  });

  async function startLogin(c: Context<AppEnv>, provider: IdentityProviderRow, returnTo: string) {
    let request: Awaited<ReturnType<RelyingParty['authorizationRequest']>>;
    try {
      request = await relyingParty.authorizationRequest(provider, redirectUri(c));
    } catch (error) {
      c.get('logger').warn({ err: error, identity_provider: provider.name }, 'identity provider unreachable');
      return refusal(
        c,
        502,
        'Login failed',
        `The identity provider ${provider.display_name ?? provider.name} cannot be reached or is misconfigured. Try again later.`,
      );
    }
    await saveOidcLogin(db, request.state, {
      providerId: provider.id,
      orgId: provider.org_id,
      nonce: request.nonce,
      codeVerifierSealed: services.secrets.seal(request.codeVerifier),
      returnTo,
    });
    setCookie(c, STATE_COOKIE, request.state, {
      path: '/login/oidc',
      httpOnly: true,
      // Lax: the provider's redirect back is a top-level navigation from its site.
      sameSite: 'Lax',
      secure: isHttps(c),
      maxAge: OIDC_LOGIN_TTL_SECONDS,
    });
    return c.redirect(request.url.toString(), 302);
  }

  return app;
}
