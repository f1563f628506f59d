/** /api/v1/policies: access policies and the sockets they are attached to. Addressable by id or by name. */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { authorize } from '../platform/auth/authorize.js';
import type { Database } from '../platform/db/schema.js';
import {
  errors,
  IDEMPOTENT,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  pageOf,
  refParams,
} from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { etagOf } from '../platform/http/etag.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { ApiError } from '../platform/http/problem.js';
import { addResourceHandlers } from '../platform/http/resource-handlers.js';
import { resourceRoutes, standardOperations } from '../platform/http/resource-routes.js';
import type { Services } from '../services.js';
import { findSocket } from '../sockets/socket-store.js';
import { Policy, PolicyAttach, PolicyCreate, PolicyListQuery, PolicyUpdate } from './policy-schemas.js';
import {
  attachedSockets,
  attachSocket,
  bumpVersion,
  checkGroups,
  deletePolicy,
  detachSocket,
  findPolicy,
  insertPolicy,
  listPolicies,
  type PolicyRow,
  policyToApi,
  resolveSocket,
  resolveSockets,
  setSockets,
  updatePolicy,
} from './policy-store.js';

const tags = ['Policies'];
const PolicyParams = refParams('policy', 'Policy id or name.');
const AttachmentParams = PolicyParams.extend(refParams('socket', 'Socket id or name.').shape);

const routes = resourceRoutes({
  path: '/policies',
  params: PolicyParams,
  noun: 'policy',
  plural: 'policies',
  tags,
  item: Policy,
  create: PolicyCreate,
  update: PolicyUpdate,
  examples: {
    create: {
      name: 'engineers-ssh',
      document: {
        permissions: {
          ssh: { shell: {}, sftp: {}, allowed_usernames: ['ubuntu'], max_session_duration_seconds: 3600 },
          database: { allowed_databases: [{ database: 'app', allowed_query_types: ['read_only'] }] },
        },
        condition: {
          who: { email: ['alice@acme.dev'] },
          where: { allowed_ip: ['0.0.0.0/0', '::/0'] },
          when: { time_of_day_after: '08:00 Europe/Amsterdam', time_of_day_before: '18:00 Europe/Amsterdam' },
        },
      },
      tag_rules: [{ env: 'prod' }],
      sockets: ['grafana'],
    },
    update: { tag_rules: [{ env: 'prod' }, { team: 'observability' }] },
  },
  page: pageOf(Policy, 'PolicyPage'),
  listQuery: PolicyListQuery,
  operations: standardOperations('Policy', 'Policies'),
});

const attachPolicySocket = createRoute({
  method: 'post',
  path: '/policies/{policy}/sockets',
  operationId: 'attachPolicySocket',
  summary: 'Attach a policy to a socket',
  tags,
  description: 'Attaching a socket that is already attached changes nothing.',
  ...IDEMPOTENT,
  request: {
    params: PolicyParams,
    headers: IdempotencyHeaders,
    body: jsonBody(PolicyAttach, { socket: 'grafana' }),
  },
  responses: {
    200: jsonResponse(Policy, 'The policy, with the socket attached.', true),
    ...errors(400, 401, 403, 404, 413, 415, 422),
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
  /** The policies as the API shows them, with their attached sockets (one query for them all). */
  async function toApi(rows: PolicyRow[], db: Kysely<Database>, orgId: string) {
    const attached = await attachedSockets(
      db,
      orgId,
      rows.map((row) => row.id),
    );
    return rows.map((row) => Policy.parse(policyToApi(row, attached.get(row.id) ?? [])));
  }
  /** The policy as the API shows it, read inside `db` (a transaction after a change). */
  async function load(db: Kysely<Database>, orgId: string, policyRef: string) {
    const row = await findPolicy(db, orgId, policyRef);
    return { version: row.version, policy: (await toApi([row], db, orgId))[0]! };
  }

  addResourceHandlers(app, services, routes, {
    type: 'policy',
    rights: { read: 'policies:read', write: 'policies:write' },
    store: {
      find: findPolicy,
      async list(db, orgId, page, q) {
        const socket = q.socket ? await resolveSocket(db, orgId, q.socket, 'socket') : undefined;
        return listPolicies(db, orgId, page, { name: q.name, search: q.search, socket });
      },
      delete: deletePolicy,
    },
    toApi,
    async create(trx, body, { orgId }) {
      await checkGroups(trx, orgId, body.document.condition.who?.group);
      const socketIds = await resolveSockets(trx, orgId, body.sockets);
      const id = await insertPolicy(trx, orgId, body);
      await setSockets(trx, orgId, id, socketIds);
      return { id, details: { name: body.name, org_wide: body.org_wide, socket_ids: socketIds } };
    },
    async update(trx, row, body, { orgId }) {
      if (body.document) await checkGroups(trx, orgId, body.document.condition.who?.group);
      if (body.sockets) await setSockets(trx, orgId, row.id, await resolveSockets(trx, orgId, body.sockets));
      await updatePolicy(trx, row, body);
      return { name: body.name ?? row.name, fields: Object.keys(body) };
    },
  });

  app.openapi(attachPolicySocket, async (c) => {
    const { orgId } = authorize(c, 'policies:write');
    const body = c.req.valid('json');
    const { body: stored } = await createIdempotent(
      c,
      services,
      'attachPolicySocket',
      body,
      async (trx, audit) => {
        const row = await findPolicy(trx, orgId, c.req.valid('param').policy);
        const socket = await resolveSocket(trx, orgId, body.socket, 'socket');
        if (await attachSocket(trx, row, socket.id)) {
          await bumpVersion(trx, row);
          await audit({
            action: 'policy.attach',
            resource_type: 'policy',
            resource_id: row.id,
            details: { name: row.name, socket_id: socket.id, socket: socket.name },
          });
        }
        return { status: 200, body: await load(trx, orgId, row.id) };
      },
    );
    const updated = stored as Awaited<ReturnType<typeof load>>;
    c.header('ETag', etagOf(updated.version));
    return c.json(updated.policy, 200);
  });

  app.openapi(detachPolicySocket, async (c) => {
    const { orgId } = authorize(c, 'policies:write');
    const params = c.req.valid('param');
    await mutate(c, services, async (trx, audit) => {
      const row = await findPolicy(trx, orgId, params.policy);
      const socket = await findSocket(trx, orgId, params.socket);
      if (!(await detachSocket(trx, row, socket.id))) {
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
