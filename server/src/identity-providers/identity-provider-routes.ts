/**
 * /api/v1/identity-providers: the organization's OIDC identity providers (admins only). People log in to the
 * organization's HTTP sockets through them (identity-providers/oidc-login-routes.ts). The client secret is
 * write-only: sealed at rest with the server's secret box, never returned (`client_secret_set` tells whether
 * one is stored), never in the audit log.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { refParams } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { addResourceHandlers } from '../platform/http/resource-handlers.js';
import { resourceRoutes, standardOperations } from '../platform/http/resource-routes.js';
import type { Services } from '../services.js';
import {
  DEFAULT_EMAIL_CLAIM,
  DEFAULT_GROUPS_CLAIM,
  DEFAULT_SCOPES,
  IdentityProvider,
  IdentityProviderCreate,
  IdentityProviderPage,
  IdentityProviderUpdate,
} from './identity-provider-schemas.js';
import {
  deleteIdentityProvider,
  findIdentityProvider,
  identityProviderToApi,
  insertIdentityProvider,
  listIdentityProviders,
  updateIdentityProvider,
} from './identity-provider-store.js';

const tags = ['Identity providers'];
const routes = resourceRoutes({
  path: '/identity-providers',
  params: refParams('identity_provider', 'Identity provider id or name.'),
  noun: 'identity provider',
  plural: 'identity providers',
  tags,
  item: IdentityProvider,
  create: IdentityProviderCreate,
  update: IdentityProviderUpdate,
  examples: {
    create: {
      name: 'google',
      display_name: 'Google Workspace',
      issuer: 'https://accounts.google.com',
      client_id: '1234567890-abc123.apps.googleusercontent.com',
      client_secret: 'GOCSPX-3xAmPlE5eCrEt',
      scopes: ['openid', 'email', 'profile'],
      groups_claim: 'groups',
    },
    update: { display_name: 'Google', enabled: false },
  },
  page: IdentityProviderPage,
  operations: {
    ...standardOperations('IdentityProvider', 'IdentityProviders'),
    create: {
      operationId: 'createIdentityProvider',
      description:
        'An OIDC provider (authorization code with PKCE) people of the organization log in through. Register ' +
        '`<API URL>/login/oidc/callback` as its redirect URI. The email claim names the member who logs in; ' +
        'the groups claim names the organization groups they are in (membership follows it at each login).',
    },
    delete: {
      operationId: 'deleteIdentityProvider',
      description: 'Logins already made stay; no new login goes through it.',
    },
  },
});

export function identityProviderRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const seal = (secret: string | null | undefined) =>
    secret === undefined ? undefined : secret === null ? null : services.secrets.seal(secret);

  addResourceHandlers(app, services, routes, {
    type: 'identity_provider',
    rights: { read: 'members:read', write: 'organization:write' },
    store: { find: findIdentityProvider, list: listIdentityProviders },
    toApi: (rows) => rows.map((row) => IdentityProvider.parse(identityProviderToApi(row))),
    async create(trx, body, { orgId }) {
      const { client_secret, ...fields } = body;
      const id = await insertIdentityProvider(trx, orgId, {
        ...fields,
        client_secret_sealed: seal(client_secret),
        scopes: body.scopes ?? DEFAULT_SCOPES,
        email_claim: body.email_claim ?? DEFAULT_EMAIL_CLAIM,
        groups_claim: body.groups_claim ?? DEFAULT_GROUPS_CLAIM,
      });
      return { id, details: { name: body.name, issuer: body.issuer, client_id: body.client_id } };
    },
    async update(trx, row, body) {
      const { client_secret, ...fields } = body;
      await updateIdentityProvider(trx, row, { ...fields, client_secret_sealed: seal(client_secret) });
      return { name: body.name ?? row.name, fields: Object.keys(body) };
    },
    async delete(trx, row) {
      await deleteIdentityProvider(trx, row);
      return { name: row.name, issuer: row.issuer };
    },
  });

  return app;
}
