/**
 * /api/v1/connector: what a connector asks about itself, with its own token only: its configuration (sockets,
 * live proxies, the CA to verify them), heartbeats (with its discovery plugins' last runs), and the sockets it
 * declares itself (static sockets of connector.yaml, discovered ones), which it owns: it lists, changes and
 * deletes those, and no other.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { platformX509Authority } from '../certificates/authority-store.js';
import { authorizeConnector } from '../platform/auth/authorize.js';
import { EVENT_HEARTBEAT_SECONDS, relayEvents } from '../platform/events/sse-relay.js';
import { DnsName, errors, jsonBody, jsonResponse } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { etagOf } from '../platform/http/etag.js';
import { mutate } from '../platform/http/mutation.js';
import { invalid, notFound } from '../platform/http/problem.js';
import { liveProxies } from '../proxies/proxy-store.js';
import type { Services } from '../services.js';
import { Socket } from '../sockets/socket-schemas.js';
import { secretReferences, socketToApi } from '../sockets/socket-store.js';
import { deleteConnectorSocket, upsertConnectorSocket } from '../sockets/static-socket-store.js';
import { Connector, ConnectorConfig, ConnectorHeartbeat, ConnectorSocketPut } from './connector-schemas.js';
import {
  connectorSockets,
  connectorToApi,
  declaredSockets,
  findConnectorWithOrg,
  recordHeartbeat,
} from './connector-store.js';

const tags = ['Connector'];
const SocketNameParams = z.object({
  name: DnsName.openapi({ param: { name: 'name', in: 'path' }, description: 'Socket name.' }),
});

const getConnectorConfig = createRoute({
  tags,
  method: 'get',
  path: '/connector/config',
  operationId: 'getConnectorConfig',
  summary: 'Get the connector’s configuration',
  responses: { 200: jsonResponse(ConnectorConfig, 'The configuration.'), ...errors(401, 403) },
});
const streamConnectorEvents = createRoute({
  tags,
  method: 'get',
  path: '/connector/events',
  operationId: 'streamConnectorEvents',
  summary: 'Stream the connector’s change events (Server-Sent Events)',
  description: [
    'A `text/event-stream` that stays open, so a connector learns of changes within moments:',
    `- \`ready\` \`{"heartbeat_interval_seconds": ${EVENT_HEARTBEAT_SECONDS}}\`: first on every stream; fetch \`GET /connector/config\` again.`,
    '- `config` `{}`: the live proxies or the organization’s sockets changed; fetch `GET /connector/config` again.',
    '',
    'The stream ends when the connector’s token is revoked or the connector deleted (reconnecting then gets 401).',
  ].join('\n'),
  responses: {
    200: {
      description: 'The event stream.',
      content: {
        'text/event-stream': { schema: z.string().openapi({ example: 'event: config\ndata: {}\n\n' }) },
      },
    },
    ...errors(401, 403),
  },
});
const reportConnectorHeartbeat = createRoute({
  tags,
  method: 'post',
  path: '/connector/heartbeat',
  operationId: 'reportConnectorHeartbeat',
  summary: 'Report that the connector is alive',
  description: 'A connector that reported in the last 60 s is `online`.',
  request: {
    body: jsonBody(ConnectorHeartbeat, {
      version: '0.1.0',
      proxies_connected: ['eu-1'],
      discovery: [{ plugin: 'docker', last_run_at: '2026-11-26T08:00:00.000Z', error: null, resources: 3 }],
    }),
  },
  responses: { 200: jsonResponse(Connector, 'The connector.'), ...errors(400, 401, 403, 413, 415) },
});
const putConnectorSocket = createRoute({
  tags,
  method: 'put',
  path: '/connector/sockets/{name}',
  operationId: 'putConnectorSocket',
  summary: 'Create or update a socket the connector declares',
  description:
    'The socket is served by this connector alone (`connector_ids` = [this one]). Repeating the same ' +
    'declaration changes nothing. A socket of that name that this connector does not serve, or of another ' +
    'type, is a 409.',
  request: {
    params: SocketNameParams,
    body: jsonBody(ConnectorSocketPut, {
      socket_type: 'ssh',
      upstream_configuration: {
        type: 'ssh',
        hostname: '10.0.1.30',
        port: 22,
        authentication_type: 'border0_certificate',
        username: 'ubuntu',
      },
      tags: { discovered_by: 'docker' },
    }),
  },
  responses: {
    200: jsonResponse(Socket, 'The socket, updated or unchanged.', true),
    201: jsonResponse(Socket, 'The socket, created.', true),
    ...errors(400, 401, 403, 409, 413, 415),
  },
});

const listConnectorSockets = createRoute({
  tags,
  method: 'get',
  path: '/connector/sockets',
  operationId: 'listConnectorSockets',
  summary: 'List the sockets the connector declared',
  description:
    'The sockets this connector created through `PUT /connector/sockets/{name}` (connector.yaml, ' +
    'discovery): the ones it may change and delete. Sockets made by anyone else are not listed.',
  responses: { 200: jsonResponse(z.array(Socket), 'The sockets, by name.'), ...errors(401, 403) },
});
const deleteConnectorSocketRoute = createRoute({
  tags,
  method: 'delete',
  path: '/connector/sockets/{name}',
  operationId: 'deleteConnectorSocket',
  summary: 'Delete a socket the connector declared',
  description:
    'Only a socket this connector declared: any other socket of that name (made by an admin or another ' +
    'connector) is a 409 and stays as it is.',
  request: { params: SocketNameParams },
  responses: { 204: { description: 'Deleted.' }, ...errors(401, 403, 404, 409) },
});

export function connectorSelfRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const { db, baseDomain } = services;

  app.openapi(getConnectorConfig, async (c) => {
    const { orgId, connectorId } = authorizeConnector(c);
    const connector = await findConnectorWithOrg(db, connectorId);
    if (!connector) throw notFound('connector');
    const sockets = await connectorSockets(db, orgId, connectorId);
    const proxies = await liveProxies(db);
    const platform = await platformX509Authority(db, services.secrets);
    return c.json(
      ConnectorConfig.parse({
        connector: {
          id: connector.id,
          name: connector.name,
          organization: { id: connector.org_id, name: connector.org_name },
        },
        sockets: sockets.map((row) => ({
          ...socketToApi(row, baseDomain),
          secret_references: secretReferences(services.secrets, row.upstream_secrets),
        })),
        proxies,
        platform_ca: platform.certificate.toString('pem'),
        base_domain: baseDomain,
      }),
      200,
    );
  });

  app.openapi(streamConnectorEvents, (c) => {
    const { orgId, connectorId, tokenId } = authorizeConnector(c);
    const response = streamSSE(c, (stream) =>
      relayEvents(services, stream, (event) => {
        if (event.type === 'proxies') return { event: 'config', data: {} };
        if (event.type === 'policy-data' && event.organization_id === orgId)
          return { event: 'config', data: {} };
        const revoked =
          event.type === 'connector-revoke' &&
          event.connector_id === connectorId &&
          (event.token_id === null || event.token_id === tokenId);
        return revoked ? 'end' : undefined;
      }),
    );
    response.headers.set('connection', 'close');
    return response;
  });

  app.openapi(reportConnectorHeartbeat, async (c) => {
    const { connectorId } = authorizeConnector(c);
    const body = c.req.valid('json');
    // Heartbeats change no configuration: not audited, like sessions' progress reports.
    const row = await recordHeartbeat(db, connectorId, body);
    if (!row) throw notFound('connector');
    return c.json(connectorToApi(row), 200);
  });

  app.openapi(putConnectorSocket, async (c) => {
    const principal = authorizeConnector(c);
    const { name } = c.req.valid('param');
    const body = c.req.valid('json');
    if (body.upstream_configuration.type !== body.socket_type) {
      throw invalid('upstream_configuration.type', `must be ${body.socket_type}, the socket_type`);
    }
    const { row, created } = await mutate(c, services, (trx, audit) =>
      upsertConnectorSocket(trx, audit, services.secrets, principal, name, body),
    );
    const socket: z.infer<typeof Socket> = Socket.parse(socketToApi(row, baseDomain));
    c.header('ETag', etagOf(row.version));
    if (!created) return c.json(socket, 200);
    c.header('Location', `/api/v1/sockets/${socket.id}`);
    return c.json(socket, 201);
  });

  app.openapi(listConnectorSockets, async (c) => {
    const { orgId, connectorId } = authorizeConnector(c);
    const rows = await declaredSockets(db, orgId, connectorId);
    return c.json(
      rows.map((row) => Socket.parse(socketToApi(row, baseDomain))),
      200,
    );
  });

  app.openapi(deleteConnectorSocketRoute, async (c) => {
    const principal = authorizeConnector(c);
    const { name } = c.req.valid('param');
    await mutate(c, services, (trx, audit) => deleteConnectorSocket(trx, audit, principal, name));
    return c.body(null, 204);
  });

  return app;
}
