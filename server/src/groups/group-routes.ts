/** /api/v1/groups: named sets of members that policies can grant access to. Addressable by id or name. */
import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { findMemberByEmail } from '../members/member-store.js';
import { authorize } from '../platform/auth/authorize.js';
import type { Database } from '../platform/db/schema.js';
import {
  errors,
  IfMatchHeaders,
  jsonBody,
  jsonResponse,
  refParams,
} from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { checkIfMatch, etagOf } from '../platform/http/etag.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { decodeCursor, toPage } from '../platform/http/pagination.js';
import { ApiError, invalid, notFound } from '../platform/http/problem.js';
import { resourceRoutes } from '../platform/http/resource-routes.js';
import type { Services } from '../services.js';
import { Group, GroupCreate, GroupMemberAdd, GroupPage, GroupUpdate } from './group-schemas.js';
import {
  addToGroup,
  bumpGroup,
  deleteGroup,
  findGroup,
  type GroupRow,
  groupMembers,
  groupToApi,
  insertGroup,
  isInGroup,
  listGroups,
  removeFromGroup,
  updateGroup,
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
  page: GroupPage,
  operations: {
    list: { operationId: 'listGroups' },
    create: { operationId: 'createGroup' },
    get: { operationId: 'getGroup' },
    update: { operationId: 'updateGroup' },
    delete: { operationId: 'deleteGroup' },
  },
});

const addGroupMember = createRoute({
  method: 'post',
  path: '/groups/{group}/members',
  operationId: 'addGroupMember',
  summary: 'Add a member to a group',
  description: 'The person must already be a member of the organization.',
  tags,
  request: { params: GroupParams, body: jsonBody(GroupMemberAdd) },
  responses: {
    200: jsonResponse(Group, 'The group with its new member.', true),
    ...errors(400, 401, 403, 404, 409, 413, 415),
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

  async function load(db: Kysely<Database>, orgId: string, row: GroupRow) {
    const members = await groupMembers(db, orgId, [row.id]);
    return Group.parse(groupToApi(row, members.get(row.id) ?? []));
  }

  app.openapi(routes.list, async (c) => {
    const { orgId } = authorize(c, 'members:read');
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor);
    const rows = await listGroups(services.db, orgId, { after, limit: q.limit });
    const members = await groupMembers(
      services.db,
      orgId,
      rows.slice(0, q.limit).map((r) => r.id),
    );
    return c.json(
      toPage(rows, q.limit, (row) => Group.parse(groupToApi(row, members.get(row.id) ?? []))),
      200,
    );
  });

  app.openapi(routes.create, async (c) => {
    const { orgId } = authorize(c, 'members:write');
    const body = c.req.valid('json');
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'createGroup',
      body,
      async (trx, audit) => {
        const id = await insertGroup(trx, orgId, body);
        await audit({
          action: 'group.create',
          resource_type: 'group',
          resource_id: id,
          details: { name: body.name },
        });
        return { status: 201, body: await load(trx, orgId, await findGroup(trx, orgId, id)) };
      },
    );
    const result = created as z.infer<typeof Group>;
    c.header('ETag', etagOf(1));
    c.header('Location', `/api/v1/groups/${result.id}`);
    return c.json(result, status as 201);
  });

  app.openapi(routes.get, async (c) => {
    const { orgId } = authorize(c, 'members:read');
    const row = await findGroup(services.db, orgId, c.req.valid('param').group);
    c.header('ETag', etagOf(row.version));
    return c.json(await load(services.db, orgId, row), 200);
  });

  app.openapi(routes.update, async (c) => {
    const { orgId } = authorize(c, 'members:write');
    const body = c.req.valid('json');
    const { row, result } = await mutate(c, services, async (trx, audit) => {
      const current = await findGroup(trx, orgId, c.req.valid('param').group);
      checkIfMatch(c, current.version);
      await updateGroup(trx, current, body);
      await audit({
        action: 'group.update',
        resource_type: 'group',
        resource_id: current.id,
        details: { name: body.name ?? current.name, fields: Object.keys(body) },
      });
      const row = await findGroup(trx, orgId, current.id);
      return { row, result: await load(trx, orgId, row) };
    });
    c.header('ETag', etagOf(row.version));
    return c.json(result, 200);
  });

  app.openapi(routes.delete, async (c) => {
    const { orgId } = authorize(c, 'members:write');
    await mutate(c, services, async (trx, audit) => {
      const row = await findGroup(trx, orgId, c.req.valid('param').group);
      checkIfMatch(c, row.version);
      await deleteGroup(trx, row);
      await audit({
        action: 'group.delete',
        resource_type: 'group',
        resource_id: row.id,
        details: { name: row.name },
      });
    });
    return c.body(null, 204);
  });

  app.openapi(addGroupMember, async (c) => {
    const { orgId } = authorize(c, 'members:write');
    const { email } = c.req.valid('json');
    const { row, result } = await mutate(c, services, async (trx, audit) => {
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
      return { row, result: await load(trx, orgId, row) };
    });
    c.header('ETag', etagOf(row.version));
    return c.json(result, 200);
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
