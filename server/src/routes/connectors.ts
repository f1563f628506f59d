/** /api/v1/connectors: the agents that carry sockets' traffic, and their tokens. Addressable by id or name. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { type Kysely, type Selectable, sql } from 'kysely';
import { authorize } from '../auth/authorize.js';
import type { ConnectorsTable, Database } from '../db/schema.js';
import type { AppEnv } from '../http/env.js';
import { checkIfMatch, etagOf } from '../http/etag.js';
import { createIdempotent, mutate } from '../http/mutation.js';
import { decodeCursor, toPage } from '../http/pagination.js';
import { notFound } from '../http/problem.js';
import { isId, newId } from '../ids.js';
import { addOwnedTokenRoutes } from '../resources/token-routes.js';
import {
  errors,
  IdempotencyHeaders,
  IfMatchHeaders,
  jsonBody,
  jsonResponse,
  PageQuery,
} from '../schemas/common.js';
import { Connector, ConnectorCreate, ConnectorPage, ConnectorUpdate } from '../schemas/connector.js';
import type { Services } from '../services.js';

const tags = ['Connectors'];
/** A connector that reported within this window is online. */
const ONLINE_WINDOW_MS = 60_000;

const ConnectorParams = z.object({
  connector: z
    .string()
    .min(1)
    .max(63)
    .openapi({ description: 'Connector id or name.', param: { name: 'connector', in: 'path' } }),
});

const listConnectors = createRoute({
  method: 'get',
  path: '/connectors',
  operationId: 'listConnectors',
  summary: 'List connectors',
  tags,
  request: { query: PageQuery },
  responses: { 200: jsonResponse(ConnectorPage, 'A page of connectors.'), ...errors(400, 401, 403) },
});

const createConnector = createRoute({
  method: 'post',
  path: '/connectors',
  operationId: 'createConnector',
  summary: 'Create a connector',
  tags,
  request: { headers: IdempotencyHeaders, body: jsonBody(ConnectorCreate) },
  responses: {
    201: jsonResponse(Connector, 'The new connector.', true),
    ...errors(400, 401, 403, 409, 413, 415, 422),
  },
});

const getConnector = createRoute({
  method: 'get',
  path: '/connectors/{connector}',
  operationId: 'getConnector',
  summary: 'Get a connector',
  tags,
  request: { params: ConnectorParams },
  responses: { 200: jsonResponse(Connector, 'The connector.', true), ...errors(401, 403, 404) },
});

const updateConnector = createRoute({
  method: 'patch',
  path: '/connectors/{connector}',
  operationId: 'updateConnector',
  summary: 'Update a connector',
  tags,
  request: { params: ConnectorParams, headers: IfMatchHeaders, body: jsonBody(ConnectorUpdate) },
  responses: {
    200: jsonResponse(Connector, 'The updated connector.', true),
    ...errors(400, 401, 403, 404, 409, 412, 413, 415),
  },
});

const deleteConnector = createRoute({
  method: 'delete',
  path: '/connectors/{connector}',
  operationId: 'deleteConnector',
  summary: 'Delete a connector',
  description: 'Its tokens stop working at once, and sockets no longer list it in `connector_ids`.',
  tags,
  request: { params: ConnectorParams, headers: IfMatchHeaders },
  responses: { 204: { description: 'Deleted.' }, ...errors(401, 403, 404, 412) },
});

type ConnectorRow = Selectable<ConnectorsTable>;

async function findConnector(db: Kysely<Database>, orgId: string, ref: string): Promise<ConnectorRow> {
  const row = await db
    .selectFrom('connectors')
    .selectAll()
    .where('org_id', '=', orgId)
    .where(isId(ref) ? 'id' : 'name', '=', ref)
    .executeTakeFirst();
  if (!row) throw notFound(`connector ${ref}`);
  return row;
}

function toApi(row: ConnectorRow) {
  const lastSeen = row.last_seen_at === null ? null : new Date(row.last_seen_at);
  return Connector.parse({
    id: row.id,
    name: row.name,
    description: row.description,
    status: lastSeen && Date.now() - lastSeen.getTime() <= ONLINE_WINDOW_MS ? 'online' : 'offline',
    last_seen_at: lastSeen?.toISOString() ?? null,
    version: row.version_reported,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  });
}

export function connectorRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(listConnectors, async (c) => {
    const { orgId } = authorize(c, 'connectors:read');
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor);
    const rows = await services.db
      .selectFrom('connectors')
      .selectAll()
      .where('org_id', '=', orgId)
      .$if(after !== undefined, (qb) => qb.where('id', '>', after!))
      .orderBy('id')
      .limit(q.limit + 1)
      .execute();
    return c.json(toPage(rows, q.limit, toApi), 200);
  });

  app.openapi(createConnector, async (c) => {
    const { orgId } = authorize(c, 'connectors:write');
    const body = c.req.valid('json');
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'createConnector',
      body,
      async (trx, audit) => {
        const id = newId();
        await trx
          .insertInto('connectors')
          .values({ id, org_id: orgId, name: body.name, description: body.description ?? null })
          .execute();
        await audit({
          action: 'connector.create',
          resource_type: 'connector',
          resource_id: id,
          details: { name: body.name },
        });
        return { status: 201, body: toApi(await findConnector(trx, orgId, id)) };
      },
    );
    const connector = created as z.infer<typeof Connector>;
    c.header('ETag', etagOf(1));
    c.header('Location', `/api/v1/connectors/${connector.id}`);
    return c.json(connector, status as 201);
  });

  app.openapi(getConnector, async (c) => {
    const { orgId } = authorize(c, 'connectors:read');
    const row = await findConnector(services.db, orgId, c.req.valid('param').connector);
    c.header('ETag', etagOf(row.version));
    return c.json(toApi(row), 200);
  });

  app.openapi(updateConnector, async (c) => {
    const { orgId } = authorize(c, 'connectors:write');
    const body = c.req.valid('json');
    const updated = await mutate(c, services, async (trx, audit) => {
      const row = await findConnector(trx, orgId, c.req.valid('param').connector);
      checkIfMatch(c, row.version);
      await trx
        .updateTable('connectors')
        .set({
          ...(body.name !== undefined && { name: body.name }),
          ...(body.description !== undefined && { description: body.description }),
          updated_at: new Date(),
          version: row.version + 1,
        })
        .where('id', '=', row.id)
        .where('org_id', '=', orgId)
        .execute();
      await audit({
        action: 'connector.update',
        resource_type: 'connector',
        resource_id: row.id,
        details: { name: body.name ?? row.name, fields: Object.keys(body) },
      });
      return findConnector(trx, orgId, row.id);
    });
    c.header('ETag', etagOf(updated.version));
    return c.json(toApi(updated), 200);
  });

  app.openapi(deleteConnector, async (c) => {
    const { orgId } = authorize(c, 'connectors:write');
    await mutate(c, services, async (trx, audit) => {
      const row = await findConnector(trx, orgId, c.req.valid('param').connector);
      checkIfMatch(c, row.version);
      // Sockets keep connector ids in a JSON array, which no foreign key covers: drop this one from them.
      const detached = await trx
        .updateTable('sockets')
        .set({
          connector_ids: sql`connector_ids - ${row.id}::text`,
          updated_at: new Date(),
          version: sql`version + 1`,
        })
        .where('org_id', '=', orgId)
        .where(sql<boolean>`connector_ids @> ${JSON.stringify([row.id])}::jsonb`)
        .returning('id')
        .execute();
      // Its tokens go with it (foreign key cascade).
      await trx.deleteFrom('connectors').where('id', '=', row.id).where('org_id', '=', orgId).execute();
      await audit({
        action: 'connector.delete',
        resource_type: 'connector',
        resource_id: row.id,
        details: { name: row.name, sockets_detached: detached.map((s) => s.id) },
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
