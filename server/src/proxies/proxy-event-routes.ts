/**
 * /api/v1/proxy/events: change events as Server-Sent Events, so proxies refresh what they cache within
 * moments of a change, from any server instance (see platform/events/). The stream starts with `ready`; it ends
 * when events may have been lost (the store's listener reconnected, the server is stopping), and a proxy
 * that reconnects must then fetch again everything it caches.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { authorizeProxy } from '../platform/auth/authorize.js';
import { EVENT_HEARTBEAT_SECONDS, relayEvents } from '../platform/events/sse-relay.js';
import { errors } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import type { Services } from '../services.js';
import { PROXY_TAG } from './proxy-routes.js';

const streamProxyEvents = createRoute({
  tags: [PROXY_TAG],
  method: 'get',
  path: '/proxy/events',
  operationId: 'streamProxyEvents',
  summary: 'Stream change events (Server-Sent Events)',
  description: [
    'A `text/event-stream` that stays open. Each event’s `data` is a JSON object:',
    `- \`ready\` \`{"heartbeat_interval_seconds": ${EVENT_HEARTBEAT_SECONDS}}\`: first on every stream. Fetch again everything cached: events before it were not seen.`,
    '- `policy-data` `{"organization_id"}`: the organization’s policies, attachments, sockets, groups, members or service accounts changed.',
    '- `session-terminate` `{"session_id", "organization_id"}`: end this live session.',
    '- `socket` `{"dnsname"}`: the socket of this dnsname changed, was renamed or deleted.',
    '- `trust` `{"organization_id"}`: a new organization; fetch `GET /proxy/trust` again.',
    '- `connector-revoke` `{"organization_id", "connector_id", "token_id"}`: the connector’s token `token_id` was revoked (or, when null, the connector deleted): close its tunnels.',
    '- `proxies` `{}`: a proxy appeared or moved (for connectors; proxies may ignore it).',
    '',
    `A comment line (\`: heartbeat\`) arrives every ${EVENT_HEARTBEAT_SECONDS} s. When the stream ends, reconnect.`,
  ].join('\n'),
  responses: {
    200: {
      description: 'The event stream.',
      content: {
        'text/event-stream': {
          schema: z.string().openapi({ example: 'event: policy-data\ndata: {"organization_id":"…"}\n\n' }),
        },
      },
    },
    ...errors(401, 403),
  },
});

export function proxyEventRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(streamProxyEvents, (c) => {
    authorizeProxy(c);
    const response = streamSSE(c, (stream) =>
      relayEvents(services, stream, ({ type, ...data }) => ({ event: type, data })),
    );
    // Not reused once it ends: the proxy reconnects anyway, and a stopping server need not wait for it.
    response.headers.set('connection', 'close');
    return response;
  });

  return app;
}
