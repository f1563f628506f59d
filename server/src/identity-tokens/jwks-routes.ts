/**
 * `GET /organizations/{organization}/jwks`: the public keys of an organization's identity tokens (RFC 7517),
 * for upstream apps behind HTTP sockets to verify `X-Border0-Identity`. Public: it takes no token.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { findOrganizationByRef } from '../organizations/organization-store.js';
import { errors, jsonResponse, refParams } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { notFound } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import { organizationPublicKeys } from './signing-key-store.js';

/** The JWKS path of any organization: the bearer middleware lets exactly these through without a token. */
export const JWKS_PATH = /^\/api\/v1\/organizations\/[^/]{1,63}\/jwks$/;

const Jwk = z
  .object({
    kty: z.string(),
    kid: z.string(),
    alg: z.string(),
    use: z.string(),
    crv: z.string().optional(),
    x: z.string().optional(),
    y: z.string().optional(),
    n: z.string().optional(),
    e: z.string().optional(),
  })
  .openapi('Jwk', { description: 'A public key (RFC 7517).' });

export const Jwks = z
  .object({ keys: z.array(Jwk) })
  .openapi('Jwks', { description: 'The public keys of an organization’s identity tokens (RFC 7517).' });

const getJwks = createRoute({
  method: 'get',
  path: '/organizations/{organization}/jwks',
  operationId: 'getOrganizationJwks',
  summary: 'Get the keys that verify an organization’s identity tokens',
  description:
    'The JWKS that verifies `X-Border0-Identity`, the JWT a proxy sends an HTTP socket’s upstream: ES256, ' +
    '`iss` = `<API base URL>/api/v1/organizations/<organization id>`, `aud` = the socket’s host, `sub` = the ' +
    'email or `service-account:<name>`, five minutes. Takes no token. Empty until the organization’s first ' +
    'identity token.',
  tags: ['Organizations'],
  security: [],
  request: { params: refParams('organization', 'Organization id or name.') },
  responses: { 200: jsonResponse(Jwks, 'The public keys.'), ...errors(400, 404) },
});

export function jwksRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(getJwks, async (c) => {
    const { organization } = c.req.valid('param');
    const org = await findOrganizationByRef(services.db, organization);
    if (!org) throw notFound(`organization ${organization}`);
    c.header('cache-control', 'public, max-age=300');
    return c.json(Jwks.parse({ keys: await organizationPublicKeys(services.db, org.id) }), 200);
  });

  return app;
}
