/** /api/v1/policies: access policies and the sockets they are attached to. Addressable by id or by name. */
import { appliesToSocket, compilePolicy } from '@border0/sdk/policy';
import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { authorize } from '../platform/auth/authorize.js';
import type { Database } from '../platform/db/schema.js';
import { errors, jsonBody, jsonResponse, pageOf, refParams } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { checkIfMatch, etagOf } from '../platform/http/etag.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { decodeCursor, toPage } from '../platform/http/pagination.js';
import { ApiError } from '../platform/http/problem.js';
import { resourceRoutes } from '../platform/http/resource-routes.js';
import { newId } from '../platform/ids.js';
import type { Services } from '../services.js';
import { findSocket } from '../sockets/socket-store.js';
import { Policy, PolicyAttach, PolicyCreate, PolicyListQuery, PolicyUpdate } from './policy-schemas.js';
import {
  attachedSockets,
  bumpVersion,
  checkGroups,
  findPolicy,
  type PolicyRow,
  policyToApi,
  resolveSocket,
  resolveSockets,
  setSockets,
  toPolicyInput,
} from './policy-store.js';

const tags = ['Policies'];
const PolicyParams = refParams('policy', 'Policy id or name.');
const AttachmentParams = PolicyParams.extend(refParams('socket', 'Socket id or name.').shape);
/** Policies scanned per query when filtering by socket, where the filter runs outside the database. */
const SCAN_BATCH = 500;

const routes = resourceRoutes({
  path: '/policies',
  params: PolicyParams,
  noun: 'policy',
  plural: 'policies',
  tags,
  item: Policy,
  create: PolicyCreate,
  update: PolicyUpdate,
  page: pageOf(Policy, 'PolicyPage'),
  listQuery: PolicyListQuery,
  operations: {
    list: { operationId: 'listPolicies' },
    create: { operationId: 'createPolicy' },
    get: { operationId: 'getPolicy' },
    update: { operationId: 'updatePolicy' },
    delete: { operationId: 'deletePolicy' },
  },
});

const attachPolicySocket = createRoute({
  method: 'post',
  path: '/policies/{policy}/sockets',
  operationId: 'attachPolicySocket',
  summary: 'Attach a policy to a socket',
  tags,
  description: 'Attaching a socket that is already attached changes nothing.',
  request: { params: PolicyParams, body: jsonBody(PolicyAttach) },
  responses: {
    200: jsonResponse(Policy, 'The policy, with the socket attached.', true),
    ...errors(400, 401, 403, 404, 413, 415),
  },
});

const detachPolicySocket = createRoute({
  method: 'delete',
  path: '/policies/{policy}/sockets/{socket}',
  operationId: 'detachPolicySocket',
  summary: 'Detach a policy from a socket',
  tags,
  request: { params: AttachmentParams },
  responses: { 204: { description: 'Detached.' }, ...errors(401, 403, 404) },
});

export function policyRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const toApi = (row: PolicyRow, socketIds: string[]) => Policy.parse(policyToApi(row, socketIds));
  /** The policy as the API shows it, read inside `db` (a transaction after a change). */
  async function load(db: Kysely<Database>, orgId: string, policyRef: string) {
    const row = await findPolicy(db, orgId, policyRef);
    const ids = (await attachedSockets(db, orgId, [row.id])).get(row.id) ?? [];
    return { version: row.version, policy: toApi(row, ids) };
  }

  app.openapi(routes.list, async (c) => {
    const { orgId } = authorize(c, 'policies:read');
    const q = c.req.valid('query');
    const socket = q.socket ? await resolveSocket(services.db, orgId, q.socket, 'socket') : undefined;
    let query = services.db.selectFrom('policies').selectAll().where('org_id', '=', orgId);
    if (q.name) query = query.where('name', '=', q.name);
    if (q.search) {
      const pattern = `%${q.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('description', 'ilike', pattern)]));
    }
    const matched: (PolicyRow & { socket_ids: string[] })[] = [];
    let after = decodeCursor(q.cursor);
    for (;;) {
      const batch = await query
        .$if(after !== undefined, (qb) => qb.where('id', '>', after!))
        .orderBy('id')
        .limit(socket ? SCAN_BATCH : q.limit + 1)
        .execute();
      const attached = await attachedSockets(
        services.db,
        orgId,
        batch.map((row) => row.id),
      );
      for (const row of batch) {
        const candidate = { ...row, socket_ids: attached.get(row.id) ?? [] };
        if (!socket || appliesToSocket(compilePolicy(toPolicyInput(row, candidate.socket_ids)), socket)) {
          matched.push(candidate);
        }
      }
      if (!socket || batch.length < SCAN_BATCH || matched.length > q.limit) break;
      after = batch.at(-1)!.id;
    }
    const page = toPage(matched.slice(0, q.limit + 1), q.limit, (row) => toApi(row, row.socket_ids));
    return c.json(page, 200);
  });

  app.openapi(routes.create, async (c) => {
    const { orgId } = authorize(c, 'policies:write');
    const body = c.req.valid('json');
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'createPolicy',
      body,
      async (trx, audit) => {
        await checkGroups(trx, orgId, body.document.condition.who?.group);
        const socketIds = await resolveSockets(trx, orgId, body.sockets);
        const id = newId();
        await trx
          .insertInto('policies')
          .values({
            id,
            org_id: orgId,
            name: body.name,
            description: body.description ?? null,
            document: JSON.stringify(body.document),
            org_wide: body.org_wide,
            tag_rules: JSON.stringify(body.tag_rules ?? []),
          })
          .execute();
        await setSockets(trx, orgId, id, socketIds);
        await audit({
          action: 'policy.create',
          resource_type: 'policy',
          resource_id: id,
          details: { name: body.name, org_wide: body.org_wide, socket_ids: socketIds },
        });
        return { status: 201, body: (await load(trx, orgId, id)).policy };
      },
    );
    const policy = created as z.infer<typeof Policy>;
    c.header('ETag', etagOf(1));
    c.header('Location', `/api/v1/policies/${policy.id}`);
    return c.json(policy, status as 201);
  });

  app.openapi(routes.get, async (c) => {
    const { orgId } = authorize(c, 'policies:read');
    const { version, policy } = await load(services.db, orgId, c.req.valid('param').policy);
    c.header('ETag', etagOf(version));
    return c.json(policy, 200);
  });

  app.openapi(routes.update, async (c) => {
    const { orgId } = authorize(c, 'policies:write');
    const body = c.req.valid('json');
    const updated = await mutate(c, services, async (trx, audit) => {
      const row = await findPolicy(trx, orgId, c.req.valid('param').policy);
      checkIfMatch(c, row.version);
      if (body.document) await checkGroups(trx, orgId, body.document.condition.who?.group);
      if (body.sockets) await setSockets(trx, orgId, row.id, await resolveSockets(trx, orgId, body.sockets));
      await trx
        .updateTable('policies')
        .set({
          ...(body.name !== undefined && { name: body.name }),
          ...(body.description !== undefined && { description: body.description }),
          ...(body.document !== undefined && { document: JSON.stringify(body.document) }),
          ...(body.org_wide !== undefined && { org_wide: body.org_wide }),
          ...(body.tag_rules !== undefined && { tag_rules: JSON.stringify(body.tag_rules) }),
          updated_at: new Date(),
          version: row.version + 1,
        })
        .where('id', '=', row.id)
        .where('org_id', '=', orgId)
        .execute();
      await audit({
        action: 'policy.update',
        resource_type: 'policy',
        resource_id: row.id,
        details: { name: body.name ?? row.name, fields: Object.keys(body) },
      });
      return load(trx, orgId, row.id);
    });
    c.header('ETag', etagOf(updated.version));
    return c.json(updated.policy, 200);
  });

  app.openapi(routes.delete, async (c) => {
    const { orgId } = authorize(c, 'policies:write');
    await mutate(c, services, async (trx, audit) => {
      const row = await findPolicy(trx, orgId, c.req.valid('param').policy);
      checkIfMatch(c, row.version);
      await trx.deleteFrom('policies').where('id', '=', row.id).where('org_id', '=', orgId).execute();
      await audit({
        action: 'policy.delete',
        resource_type: 'policy',
        resource_id: row.id,
        details: { name: row.name },
      });
    });
    return c.body(null, 204);
  });

  app.openapi(attachPolicySocket, async (c) => {
    const { orgId } = authorize(c, 'policies:write');
    const updated = await mutate(c, services, async (trx, audit) => {
      const row = await findPolicy(trx, orgId, c.req.valid('param').policy);
      const socket = await resolveSocket(trx, orgId, c.req.valid('json').socket, 'socket');
      const inserted = await trx
        .insertInto('policy_sockets')
        .values({ org_id: orgId, policy_id: row.id, socket_id: socket.id })
        .onConflict((oc) => oc.columns(['policy_id', 'socket_id']).doNothing())
        .returning('socket_id')
        .execute();
      if (inserted.length > 0) {
        await bumpVersion(trx, row);
        await audit({
          action: 'policy.attach',
          resource_type: 'policy',
          resource_id: row.id,
          details: { name: row.name, socket_id: socket.id, socket: socket.name },
        });
      }
      return load(trx, orgId, row.id);
    });
    c.header('ETag', etagOf(updated.version));
    return c.json(updated.policy, 200);
  });

  app.openapi(detachPolicySocket, async (c) => {
    const { orgId } = authorize(c, 'policies:write');
    const params = c.req.valid('param');
    await mutate(c, services, async (trx, audit) => {
      const row = await findPolicy(trx, orgId, params.policy);
      const socket = await findSocket(trx, orgId, params.socket);
      const removed = await trx
        .deleteFrom('policy_sockets')
        .where('org_id', '=', orgId)
        .where('policy_id', '=', row.id)
        .where('socket_id', '=', socket.id)
        .returning('socket_id')
        .execute();
      if (removed.length === 0) {
        throw new ApiError('not_found', `socket ${params.socket} is not attached to policy ${params.policy}`);
      }
      await bumpVersion(trx, row);
      await audit({
        action: 'policy.detach',
        resource_type: 'policy',
        resource_id: row.id,
        details: { name: row.name, socket_id: socket.id, socket: socket.name },
      });
    });
    return c.body(null, 204);
  });

  return app;
}
