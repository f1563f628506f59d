/**
 * GET /api/v1/client/proxies: the proxies a client may connect through (those that reported in the last
 * 60 s), so that `border0 client ...` finds one without being told; a region the client names comes first.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { authorize } from '../platform/auth/authorize.js';
import { DnsName, errors, jsonResponse } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import type { Services } from '../services.js';
import { liveProxies } from './proxy-store.js';

const ClientProxy = z
  .object({
    name: DnsName,
    public_address: z.string().openapi({ example: 'proxy-1.example.net:8443' }),
    region: z.string().nullable(),
  })
  .openapi('ClientProxy');

const ClientProxyList = z
  .object({ items: z.array(ClientProxy) })
  .openapi('ClientProxyList', { description: 'Live proxies: the asked region first, then by name.' });

const listClientProxies = createRoute({
  method: 'get',
  path: '/client/proxies',
  operationId: 'listClientProxies',
  summary: 'List the proxies a client may connect through',
  description:
    'The proxies that reported in the last 60 s, with the address clients reach them at. Readable by whoever ' +
    'may list the sockets.',
  tags: ['Certificates'],
  request: {
    query: z.object({
      region: z
        .string()
        .max(63)
        .optional()
        .openapi({ description: 'Proxies of this region first (the client’s own, when it knows it).' }),
    }),
  },
  responses: { 200: jsonResponse(ClientProxyList, 'The proxies.'), ...errors(400, 401, 403) },
});

export function clientProxyRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(listClientProxies, async (c) => {
    authorize(c, 'sockets:read');
    const { region } = c.req.valid('query');
    const proxies = await liveProxies(services.db);
    // Stable: a region match first, each group in the store's order (by name).
    const ranked = [
      ...proxies.filter((p) => region !== undefined && p.region === region),
      ...proxies.filter((p) => region === undefined || p.region !== region),
    ];
    return c.json(
      {
        items: ranked.map((p) => ({ name: p.name, public_address: p.public_address, region: p.region })),
      },
      200,
    );
  });
  return app;
}
