/** /api/v1/groups: named sets of members that policies can grant access to. Addressable by id or name. */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { findMemberByEmail } from '../members/member-store.js';
import { authorize } from '../platform/auth/authorize.js';
import type { Database } from '../platform/db/schema.js';
import {
  errors,
  IDEMPOTENT,
  IdempotencyHeaders,
  IfMatchHeaders,
  jsonBody,
  jsonResponse,
  refParams,
} from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { checkIfMatch, etagOf } from '../platform/http/etag.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { ApiError, invalid, notFound } from '../platform/http/problem.js';
import { addResourceHandlers } from '../platform/http/resource-handlers.js';
import { resourceRoutes, standardOperations } from '../platform/http/resource-routes.js';
import type { Services } from '../services.js';
import { Group, GroupCreate, GroupMemberAdd, GroupPage, GroupUpdate } from './group-schemas.js';
import {
  addToGroup,
  bumpGroup,
  findGroup,
  type GroupRow,
  groupMembers,
  groupRows,
  groupToApi,
  isInGroup,
  removeFromGroup,
} from './group-store.js';

const tags = ['Groups'];
const GroupParams = refParams('group', 'Group id or name.');
const GroupMemberParams = GroupParams.extend(refParams('member', 'User id or email.', 254).shape);

const routes = resourceRoutes({
  path: '/groups',
  params: GroupParams,
  noun: 'group',
  plural: 'groups',
  tags,
  item: Group,
  create: GroupCreate,
  update: GroupUpdate,
  examples: { create: { name: 'engineers' }, update: { name: 'platform-engineers' } },
  page: GroupPage,
  operations: standardOperations('Group', 'Groups'),
});

const addGroupMember = createRoute({
  method: 'post',
  path: '/groups/{group}/members',
  operationId: 'addGroupMember',
  summary: 'Add a member to a group',
  description: 'The person must already be a member of the organization.',
  tags,
  ...IDEMPOTENT,
  request: {
    params: GroupParams,
    headers: IdempotencyHeaders,
    body: jsonBody(GroupMemberAdd, { email: 'bob@acme.dev' }),
  },
  responses: {
    200: jsonResponse(Group, 'The group with its new member.', true),
    ...errors(400, 401, 403, 404, 409, 413, 415, 422),
  },
});

const removeGroupMember = createRoute({
  method: 'delete',
  path: '/groups/{group}/members/{member}',
  operationId: 'removeGroupMember',
  summary: 'Remove a member from a group',
  tags,
  request: { params: GroupMemberParams, headers: IfMatchHeaders },
  responses: { 204: { description: 'Removed.' }, ...errors(401, 403, 404, 412) },
});

export function groupRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  /** The groups as the API shows them, with their members (one query for them all). */
  async function toApi(rows: GroupRow[], db: Kysely<Database>, orgId: string) {
    const members = await groupMembers(
      db,
      orgId,
      rows.map((r) => r.id),
    );
    return rows.map((row) => Group.parse(groupToApi(row, members.get(row.id) ?? [])));
  }
  const load = async (db: Kysely<Database>, orgId: string, row: GroupRow) =>
    (await toApi([row], db, orgId))[0]!;

  addResourceHandlers(app, services, routes, {
    type: 'group',
    rights: { read: 'members:read', write: 'members:write' },
    store: groupRows,
    toApi,
  });

  app.openapi(addGroupMember, async (c) => {
    const { orgId } = authorize(c, 'members:write');
    const body = c.req.valid('json');
    const { email } = body;
    const { body: stored } = await createIdempotent(
      c,
      services,
      'addGroupMember',
      body,
      async (trx, audit) => {
        const current = await findGroup(trx, orgId, c.req.valid('param').group);
        const member = await findMemberByEmail(trx, orgId, email);
        if (!member) throw invalid('email', `${email} is not a member of this organization`);
        if (await isInGroup(trx, current, member.id)) {
          throw new ApiError('conflict', `email: ${member.email} is already in the group ${current.name}`, [
            { field: 'email', message: 'is already in the group' },
          ]);
        }
        await addToGroup(trx, current, member.id);
        await audit({
          action: 'group.member_add',
          resource_type: 'group',
          resource_id: current.id,
          details: { name: current.name, user_id: member.id, email: member.email },
        });
        const row = await bumpGroup(trx, current);
        // Stored with its version, so that a replay answers the ETag of the first answer too.
        return { status: 200, body: { version: row.version, group: await load(trx, orgId, row) } };
      },
    );
    const { version, group } = stored as { version: number; group: Awaited<ReturnType<typeof load>> };
    c.header('ETag', etagOf(version));
    return c.json(group, 200);
  });

  app.openapi(removeGroupMember, async (c) => {
    const { orgId } = authorize(c, 'members:write');
    const params = c.req.valid('param');
    await mutate(c, services, async (trx, audit) => {
      const current = await findGroup(trx, orgId, params.group);
      checkIfMatch(c, current.version);
      const ref = params.member;
      const removed = await removeFromGroup(trx, current, ref);
      if (removed.length === 0) throw notFound(`member ${ref} of the group ${current.name}`);
      await audit({
        action: 'group.member_remove',
        resource_type: 'group',
        resource_id: current.id,
        details: { name: current.name, user_id: removed[0]! },
      });
      await bumpGroup(trx, current);
    });
    return c.body(null, 204);
  });

  return app;
}
