/** /api/v1/sockets: published services. Addressable by id or by name. */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { unknownConnector } from '../connectors/connector-store.js';
import { authorize } from '../platform/auth/authorize.js';
import type { Database } from '../platform/db/schema.js';
import { errors, jsonResponse, pageOf, refParams } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { etagOf } from '../platform/http/etag.js';
import { mutate } from '../platform/http/mutation.js';
import { ApiError, invalid } from '../platform/http/problem.js';
import { addResourceHandlers } from '../platform/http/resource-handlers.js';
import { resourceRoutes, standardOperations } from '../platform/http/resource-routes.js';
import type { Services } from '../services.js';
import { Socket, SocketCreate, SocketListQuery, SocketUpdate } from './socket-schemas.js';
import {
  clearSshHostKey,
  deleteSocket,
  findSocket,
  insertSocket,
  listSockets,
  type SocketRow,
  socketToApi,
  updateSocket,
} from './socket-store.js';

const tags = ['Sockets'];
const SocketParams = refParams('socket', 'Socket id or name.');
const clearSshHostKeyRoute = createRoute({
  tags,
  method: 'delete',
  path: '/sockets/{socket}/ssh-host-key',
  operationId: 'clearSocketSshHostKey',
  summary: 'Forget the upstream host key an ssh socket trusts',
  description:
    'After an expected change of the upstream’s host key (a reinstalled server): the next connection ' +
    'trusts the key it meets, as on first use. Answers the socket.',
  request: { params: SocketParams },
  responses: { 200: jsonResponse(Socket, 'The socket.', true), ...errors(401, 403, 404, 409) },
});
const routes = resourceRoutes({
  path: '/sockets',
  params: SocketParams,
  noun: 'socket',
  plural: 'sockets',
  tags,
  item: Socket,
  create: SocketCreate,
  update: SocketUpdate,
  examples: {
    create: {
      name: 'grafana',
      display_name: 'Grafana',
      socket_type: 'http',
      tags: { env: 'prod', team: 'observability' },
      upstream_configuration: { type: 'http', scheme: 'http', hostname: '10.0.1.20', port: 3000 },
    },
    update: { display_name: 'Grafana (prod)', tags: { env: 'prod' }, recording_enabled: true },
  },
  page: pageOf(Socket, 'SocketPage'),
  listQuery: SocketListQuery,
  operations: standardOperations('Socket', 'Sockets'),
});

export function socketRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const toApi = (row: SocketRow) => Socket.parse(socketToApi(row, services.baseDomain));

  async function checkConnectors(db: Kysely<Database>, orgId: string, ids: string[]) {
    const missing = await unknownConnector(db, orgId, ids);
    if (missing) throw invalid('connector_ids', `no connector ${missing} in this organization`);
  }

  addResourceHandlers(app, services, routes, {
    type: 'socket',
    rights: { read: 'sockets:read', write: 'sockets:write' },
    store: {
      find: findSocket,
      list: (db, orgId, page, { cursor, limit, ...filters }) => listSockets(db, orgId, page, filters),
      delete: deleteSocket,
    },
    toApi: (rows) => rows.map(toApi),
    checkCreate(body) {
      if (body.upstream_configuration.type !== body.socket_type) {
        throw invalid('upstream_configuration.type', `must be ${body.socket_type}, the socket_type`);
      }
      checkInputRecording(body.recording_input_enabled, body.socket_type);
    },
    async create(trx, body, { orgId }) {
      await checkConnectors(trx, orgId, body.connector_ids ?? []);
      const id = await insertSocket(trx, services.secrets, orgId, body);
      return { id, details: { name: body.name } };
    },
    async update(trx, row, body, { orgId }) {
      if (body.upstream_configuration && body.upstream_configuration.type !== row.socket_type) {
        throw invalid('upstream_configuration.type', `must be ${row.socket_type}, the socket_type`);
      }
      if (body.connector_ids) await checkConnectors(trx, orgId, body.connector_ids);
      checkInputRecording(body.recording_input_enabled, row.socket_type);
      await updateSocket(trx, services.secrets, row, body);
      return {
        name: body.name ?? row.name,
        fields: Object.keys(body),
        ...(body.name !== undefined && body.name !== row.name && { previous_name: row.name }),
      };
    },
  });

  app.openapi(clearSshHostKeyRoute, async (c) => {
    const { orgId } = authorize(c, 'sockets:write');
    const row = await mutate(c, services, async (trx, audit) => {
      const found = await findSocket(trx, orgId, c.req.valid('param').socket);
      if (found.socket_type !== 'ssh')
        throw new ApiError('conflict', `the socket ${found.name} is not an ssh socket`);
      await clearSshHostKey(trx, found);
      await audit({
        action: 'socket.ssh_host_key.clear',
        resource_type: 'socket',
        resource_id: found.id,
        details: { name: found.name },
      });
      return findSocket(trx, orgId, found.id);
    });
    c.header('ETag', etagOf(row.version));
    return c.json(Socket.parse(socketToApi(row, services.baseDomain)), 200);
  });

  return app;
}

/** Input is recorded by the ssh proxy only: elsewhere the setting would promise what nothing does. */
function checkInputRecording(enabled: boolean | undefined, socketType: string): void {
  if (enabled === true && socketType !== 'ssh') {
    throw invalid('recording_input_enabled', `only ssh sockets record input, not ${socketType} sockets`);
  }
}
