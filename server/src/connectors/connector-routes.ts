/** /api/v1/connectors: the agents that carry sockets' traffic, and their tokens. Addressable by id or name. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { refParams } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { addResourceHandlers } from '../platform/http/resource-handlers.js';
import { resourceRoutes, standardOperations } from '../platform/http/resource-routes.js';
import type { Services } from '../services.js';
import { addOwnedTokenRoutes } from '../tokens/owned-token-routes.js';
import { Connector, ConnectorCreate, ConnectorPage, ConnectorUpdate } from './connector-schemas.js';
import { connectorRows, connectorToApi, deleteConnector, findConnector } from './connector-store.js';

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
  examples: { create: { name: 'office-lan' }, update: { name: 'office-lan-2' } },
  page: ConnectorPage,
  operations: {
    ...standardOperations('Connector', 'Connectors'),
    delete: {
      operationId: 'deleteConnector',
      description: 'Its tokens stop working at once, and sockets no longer list it in `connector_ids`.',
    },
  },
});

export function connectorRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  addResourceHandlers(app, services, routes, {
    type: 'connector',
    rights: { read: 'connectors:read', write: 'connectors:write' },
    store: connectorRows,
    toApi: (rows) => rows.map(connectorToApi),
    // Sockets served by it no longer list it: the audit entry names them.
    async delete(trx, row) {
      return { name: row.name, sockets_detached: await deleteConnector(trx, row) };
    },
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
