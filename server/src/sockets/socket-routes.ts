/** /api/v1/sockets: published services. Addressable by id or by name. */
import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { authorize } from '../platform/auth/authorize.js';
import { errors, jsonResponse, pageOf, refParams } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { checkIfMatch, etagOf } from '../platform/http/etag.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { decodeCursor, toPage } from '../platform/http/pagination.js';
import { ApiError, invalid } from '../platform/http/problem.js';
import { resourceRoutes } from '../platform/http/resource-routes.js';
import { newId } from '../platform/ids.js';
import type { Services } from '../services.js';
import { Socket, SocketCreate, SocketListQuery, SocketUpdate } from './socket-schemas.js';
import {
  findSocket,
  hostKeyResetOnMove,
  type SocketRow,
  socketToApi,
  upstreamColumns,
} from './socket-store.js';

const tags = ['Sockets'];
const SocketParams = refParams('socket', 'Socket id or name.');
const clearSshHostKey = createRoute({
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
  page: pageOf(Socket, 'SocketPage'),
  listQuery: SocketListQuery,
  operations: {
    list: { operationId: 'listSockets' },
    create: { operationId: 'createSocket' },
    get: { operationId: 'getSocket' },
    update: { operationId: 'updateSocket' },
    delete: { operationId: 'deleteSocket' },
  },
});

export function socketRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const toApi = (row: SocketRow) => Socket.parse(socketToApi(row, services.baseDomain));

  async function checkConnectors(
    trx: Parameters<Parameters<typeof mutate>[2]>[0],
    orgId: string,
    ids: string[],
  ) {
    if (ids.length === 0) return;
    const found = await trx
      .selectFrom('connectors')
      .select('id')
      .where('org_id', '=', orgId)
      .where('id', 'in', ids)
      .execute();
    const missing = ids.find((id) => !found.some((f) => f.id === id));
    if (missing) throw invalid('connector_ids', `no connector ${missing} in this organization`);
  }

  app.openapi(routes.list, async (c) => {
    const { orgId } = authorize(c, 'sockets:read');
    const q = c.req.valid('query');
    let query = services.db
      .selectFrom('sockets as s')
      .innerJoin('organizations as o', 'o.id', 's.org_id')
      .selectAll('s')
      .select('o.name as org_name')
      .where('s.org_id', '=', orgId);
    const after = decodeCursor(q.cursor);
    if (after) query = query.where('s.id', '>', after);
    if (q.socket_type) query = query.where('s.socket_type', '=', q.socket_type);
    if (q.name) query = query.where('s.name', '=', q.name);
    if (q.tag) {
      const wanted = Object.fromEntries(q.tag.split(',').map((pair) => pair.split(/:(.*)/s).slice(0, 2)));
      query = query.where(sql<boolean>`s.tags @> ${JSON.stringify(wanted)}::jsonb`);
    }
    if (q.search) {
      const pattern = `%${q.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      query = query.where((eb) =>
        eb.or([
          eb('s.name', 'ilike', pattern),
          eb('s.display_name', 'ilike', pattern),
          eb('s.description', 'ilike', pattern),
        ]),
      );
    }
    const rows = await query
      .orderBy('s.id')
      .limit(q.limit + 1)
      .execute();
    return c.json(toPage(rows, q.limit, toApi), 200);
  });

  app.openapi(routes.create, async (c) => {
    const { orgId } = authorize(c, 'sockets:write');
    const body = c.req.valid('json');
    if (body.upstream_configuration.type !== body.socket_type) {
      throw invalid('upstream_configuration.type', `must be ${body.socket_type}, the socket_type`);
    }
    checkInputRecording(body.recording_input_enabled, body.socket_type);
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'createSocket',
      body,
      async (trx, audit) => {
        await checkConnectors(trx, orgId, body.connector_ids ?? []);
        const id = newId();
        await trx
          .insertInto('sockets')
          .values({
            id,
            org_id: orgId,
            name: body.name,
            display_name: body.display_name ?? null,
            description: body.description ?? null,
            socket_type: body.socket_type,
            tags: JSON.stringify(body.tags ?? {}),
            recording_enabled: body.recording_enabled ?? body.socket_type !== 'http',
            recording_input_enabled: body.recording_input_enabled ?? false,
            connector_ids: JSON.stringify(body.connector_ids ?? []),
            ...upstreamColumns(services.secrets, body.upstream_configuration),
          })
          .execute();
        await audit({
          action: 'socket.create',
          resource_type: 'socket',
          resource_id: id,
          details: { name: body.name },
        });
        return { status: 201, body: toApi(await findSocket(trx, orgId, id)) };
      },
    );
    const socket = created as z.infer<typeof Socket>;
    c.header('ETag', etagOf(1));
    c.header('Location', `/api/v1/sockets/${socket.id}`);
    return c.json(socket, status as 201);
  });

  app.openapi(routes.get, async (c) => {
    const { orgId } = authorize(c, 'sockets:read');
    const row = await findSocket(services.db, orgId, c.req.valid('param').socket);
    c.header('ETag', etagOf(row.version));
    return c.json(toApi(row), 200);
  });

  app.openapi(routes.update, async (c) => {
    const { orgId } = authorize(c, 'sockets:write');
    const body = c.req.valid('json');
    const updated = await mutate(c, services, async (trx, audit) => {
      const row = await findSocket(trx, orgId, c.req.valid('param').socket);
      checkIfMatch(c, row.version);
      if (body.upstream_configuration && body.upstream_configuration.type !== row.socket_type) {
        throw invalid('upstream_configuration.type', `must be ${row.socket_type}, the socket_type`);
      }
      if (body.connector_ids) await checkConnectors(trx, orgId, body.connector_ids);
      checkInputRecording(body.recording_input_enabled, row.socket_type);
      await trx
        .updateTable('sockets')
        .set({
          ...(body.name !== undefined && { name: body.name }),
          ...(body.display_name !== undefined && { display_name: body.display_name }),
          ...(body.description !== undefined && { description: body.description }),
          ...(body.tags !== undefined && { tags: JSON.stringify(body.tags) }),
          ...(body.recording_enabled !== undefined && { recording_enabled: body.recording_enabled }),
          ...(body.recording_input_enabled !== undefined && {
            recording_input_enabled: body.recording_input_enabled,
          }),
          ...(body.connector_ids !== undefined && { connector_ids: JSON.stringify(body.connector_ids) }),
          ...(body.upstream_configuration &&
            upstreamColumns(services.secrets, body.upstream_configuration, row)),
          ...hostKeyResetOnMove(row, body.upstream_configuration),
          updated_at: new Date(),
          version: row.version + 1,
        })
        .where('id', '=', row.id)
        .where('org_id', '=', orgId)
        .execute();
      await audit({
        action: 'socket.update',
        resource_type: 'socket',
        resource_id: row.id,
        details: {
          name: body.name ?? row.name,
          fields: Object.keys(body),
          ...(body.name !== undefined && body.name !== row.name && { previous_name: row.name }),
        },
      });
      return findSocket(trx, orgId, row.id);
    });
    c.header('ETag', etagOf(updated.version));
    return c.json(toApi(updated), 200);
  });

  app.openapi(routes.delete, async (c) => {
    const { orgId } = authorize(c, 'sockets:write');
    await mutate(c, services, async (trx, audit) => {
      const row = await findSocket(trx, orgId, c.req.valid('param').socket);
      checkIfMatch(c, row.version);
      await trx.deleteFrom('sockets').where('id', '=', row.id).where('org_id', '=', orgId).execute();
      await audit({
        action: 'socket.delete',
        resource_type: 'socket',
        resource_id: row.id,
        details: { name: row.name },
      });
    });
    return c.body(null, 204);
  });

  app.openapi(clearSshHostKey, async (c) => {
    const { orgId } = authorize(c, 'sockets:write');
    const row = await mutate(c, services, async (trx, audit) => {
      const found = await findSocket(trx, orgId, c.req.valid('param').socket);
      if (found.socket_type !== 'ssh')
        throw new ApiError('conflict', `the socket ${found.name} is not an ssh socket`);
      await trx
        .updateTable('sockets')
        .set({
          ssh_host_key: null,
          ssh_host_key_trusted_at: null,
          version: found.version + 1,
          updated_at: new Date(),
        })
        .where('id', '=', found.id)
        .where('org_id', '=', orgId)
        .execute();
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
