/** /api/v1/connectors: the agents that carry sockets' traffic, and their tokens. Addressable by id or name. */
import { OpenAPIHono, type z } from '@hono/zod-openapi';
import { authorize } from '../platform/auth/authorize.js';
import { refParams } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { checkIfMatch, etagOf } from '../platform/http/etag.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { decodeCursor, toPage } from '../platform/http/pagination.js';
import { resourceRoutes } from '../platform/http/resource-routes.js';
import type { Services } from '../services.js';
import { addOwnedTokenRoutes } from '../tokens/owned-token-routes.js';
import { Connector, ConnectorCreate, ConnectorPage, ConnectorUpdate } from './connector-schemas.js';
import {
  connectorToApi,
  deleteConnector,
  findConnector,
  insertConnector,
  listConnectors,
  updateConnector,
} from './connector-store.js';

const tags = ['Connectors'];

const routes = resourceRoutes({
  path: '/connectors',
  params: refParams('connector', 'Connector id or name.'),
  noun: 'connector',
  plural: 'connectors',
  tags,
  item: Connector,
  create: ConnectorCreate,
  update: ConnectorUpdate,
  page: ConnectorPage,
  operations: {
    list: { operationId: 'listConnectors' },
    create: { operationId: 'createConnector' },
    get: { operationId: 'getConnector' },
    update: { operationId: 'updateConnector' },
    delete: {
      operationId: 'deleteConnector',
      description: 'Its tokens stop working at once, and sockets no longer list it in `connector_ids`.',
    },
  },
});

export function connectorRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(routes.list, async (c) => {
    const { orgId } = authorize(c, 'connectors:read');
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor);
    const rows = await listConnectors(services.db, orgId, { after, limit: q.limit });
    return c.json(toPage(rows, q.limit, connectorToApi), 200);
  });

  app.openapi(routes.create, async (c) => {
    const { orgId } = authorize(c, 'connectors:write');
    const body = c.req.valid('json');
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'createConnector',
      body,
      async (trx, audit) => {
        const id = await insertConnector(trx, orgId, body);
        await audit({
          action: 'connector.create',
          resource_type: 'connector',
          resource_id: id,
          details: { name: body.name },
        });
        return { status: 201, body: connectorToApi(await findConnector(trx, orgId, id)) };
      },
    );
    const connector = created as z.infer<typeof Connector>;
    c.header('ETag', etagOf(1));
    c.header('Location', `/api/v1/connectors/${connector.id}`);
    return c.json(connector, status as 201);
  });

  app.openapi(routes.get, async (c) => {
    const { orgId } = authorize(c, 'connectors:read');
    const row = await findConnector(services.db, orgId, c.req.valid('param').connector);
    c.header('ETag', etagOf(row.version));
    return c.json(connectorToApi(row), 200);
  });

  app.openapi(routes.update, async (c) => {
    const { orgId } = authorize(c, 'connectors:write');
    const body = c.req.valid('json');
    const updated = await mutate(c, services, async (trx, audit) => {
      const row = await findConnector(trx, orgId, c.req.valid('param').connector);
      checkIfMatch(c, row.version);
      await updateConnector(trx, row, body);
      await audit({
        action: 'connector.update',
        resource_type: 'connector',
        resource_id: row.id,
        details: { name: body.name ?? row.name, fields: Object.keys(body) },
      });
      return findConnector(trx, orgId, row.id);
    });
    c.header('ETag', etagOf(updated.version));
    return c.json(connectorToApi(updated), 200);
  });

  app.openapi(routes.delete, async (c) => {
    const { orgId } = authorize(c, 'connectors:write');
    await mutate(c, services, async (trx, audit) => {
      const row = await findConnector(trx, orgId, c.req.valid('param').connector);
      checkIfMatch(c, row.version);
      const detached = await deleteConnector(trx, row);
      await audit({
        action: 'connector.delete',
        resource_type: 'connector',
        resource_id: row.id,
        details: { name: row.name, sockets_detached: detached },
      });
    });
    return c.body(null, 204);
  });

  addOwnedTokenRoutes(app, services, {
    kind: 'connector',
    path: '/connectors/{connector}',
    param: 'connector',
    paramDescription: 'Connector id or name.',
    tag: tags[0]!,
    noun: 'connector',
    operationIds: {
      list: 'listConnectorTokens',
      create: 'createConnectorToken',
      delete: 'deleteConnectorToken',
    },
    permissions: { read: 'connectors:read', write: 'connectors:write' },
    async find(db, principal, ref) {
      const row = await findConnector(db, principal.orgId, ref);
      // A connector token carries no rights of the API; `client` is the least role there is.
      return { id: row.id, name: row.name, role: 'client' };
    },
  });

  return app;
}
