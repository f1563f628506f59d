/**
 * /api/v1/proxy/events: change events as Server-Sent Events, so proxies refresh what they cache within
 * moments of a change, from any server instance (see events/). The stream starts with `ready`; it ends
 * when events may have been lost (the store's listener reconnected, the server is stopping), and a proxy
 * that reconnects must then fetch again everything it caches.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { authorizeProxy } from '../auth/authorize.js';
import type { BusMessage } from '../events/event-bus.js';
import type { AppEnv } from '../http/env.js';
import { errors } from '../schemas/common.js';
import type { Services } from '../services.js';
import { PROXY_TAG } from './proxy.js';

export const EVENT_HEARTBEAT_SECONDS = 15;
/** Writes a stalled reader may fall behind by before its stream is dropped (it reconnects and resyncs). */
const MAX_BACKLOG = 1000;
/** What EventSource clients wait before reconnecting. */
const RETRY_MS = 2000;

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
    const response = streamSSE(c, (stream) => relay(services, stream));
    // Not reused once it ends: the proxy reconnects anyway, and a stopping server need not wait for it.
    response.headers.set('connection', 'close');
    return response;
  });

  return app;
}

/** Relays bus messages to one stream until the reader leaves or the bus resets. */
async function relay(services: Services, stream: SSEStreamingApi): Promise<void> {
  let backlog = 0;
  let writes = Promise.resolve();
  let finish = () => {};
  const ended = new Promise<void>((resolve) => {
    finish = resolve;
  });
  // Writes go one after another; a reader that stops reading is dropped rather than buffered forever.
  const send = (write: () => Promise<unknown>) => {
    if (backlog >= MAX_BACKLOG) {
      stream.abort();
      return finish();
    }
    backlog++;
    writes = writes.then(write).then(() => {
      backlog--;
    });
  };
  const unsubscribe = services.events.subscribe((message: BusMessage) => {
    if (message.type === 'reset') return finish();
    const { type, ...data } = message;
    send(() => stream.writeSSE({ event: type, data: JSON.stringify(data) }));
  });
  const heartbeat = setInterval(
    () => send(() => stream.write(': heartbeat\n\n')),
    EVENT_HEARTBEAT_SECONDS * 1000,
  );
  stream.onAbort(finish);
  try {
    send(() =>
      stream.writeSSE({
        event: 'ready',
        data: JSON.stringify({ heartbeat_interval_seconds: EVENT_HEARTBEAT_SECONDS }),
        retry: RETRY_MS,
      }),
    );
    await ended;
    // What was sent before the end still goes out, unless the reader has stalled.
    if (!stream.aborted)
      await Promise.race([writes, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  } finally {
    unsubscribe();
    clearInterval(heartbeat);
  }
}
