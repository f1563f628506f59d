/** /api/v1/members: the people of the organization and their roles. Addressable by user id or email. */
import { OpenAPIHono, type z } from '@hono/zod-openapi';
import { addMembership, ownAccount } from '../organizations/organization-store.js';
import { authorize } from '../platform/auth/authorize.js';
import { canGrant } from '../platform/auth/roles.js';
import { refParams } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { checkIfMatch, etagOf } from '../platform/http/etag.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { decodeCursor, toPage } from '../platform/http/pagination.js';
import { ApiError, forbidden, invalid } from '../platform/http/problem.js';
import { resourceRoutes } from '../platform/http/resource-routes.js';
import type { Services } from '../services.js';
import { Member, MemberCreate, MemberListQuery, MemberPage, MemberUpdate } from './member-schemas.js';
import {
  findMember,
  listMembers,
  lockOwners,
  type MemberRow,
  memberToApi,
  removeMember,
  updateMemberRole,
} from './member-store.js';

const tags = ['Members'];
const routes = resourceRoutes({
  path: '/members',
  params: refParams('member', 'User id or email.', 254),
  noun: 'member',
  plural: 'members',
  tags,
  item: Member,
  create: MemberCreate,
  update: MemberUpdate,
  page: MemberPage,
  listQuery: MemberListQuery,
  operations: {
    list: { operationId: 'listMembers' },
    create: {
      operationId: 'addMember',
      summary: 'Add a member',
      description:
        'Adds a person by email with an account of this organization (made now, or the one a returning member ' +
        'had), whose password this organization’s admins set. It never touches an account of another ' +
        'organization: the answer is the same whether or not the email has one. A person who already has an ' +
        'account and wants to use it here is invited instead (`POST /invitations`). The role is at most what ' +
        'the caller may grant.',
    },
    get: { operationId: 'getMember' },
    update: {
      operationId: 'updateMember',
      summary: 'Change a member’s role',
      description: 'Only an owner may change an owner or make one. The last owner cannot be demoted.',
      conflict: false,
    },
    delete: {
      operationId: 'removeMember',
      summary: 'Remove a member',
      description:
        'Also removes the member from this organization’s groups and revokes their admin tokens here.',
      response: 'Removed.',
      conflict: true,
    },
  },
});

export function memberRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const toApi = (row: MemberRow) => Member.parse(memberToApi(row));

  app.openapi(routes.list, async (c) => {
    const { orgId } = authorize(c, 'members:read');
    const q = c.req.valid('query');
    const rows = await listMembers(
      services.db,
      orgId,
      { after: decodeCursor(q.cursor), limit: q.limit },
      { role: q.role, search: q.search },
    );
    return c.json(toPage(rows, q.limit, toApi), 200);
  });

  app.openapi(routes.create, async (c) => {
    const principal = authorize(c, 'members:write');
    const body = c.req.valid('json');
    if (!canGrant(principal.rights, body.role)) {
      throw forbidden(`this token may not grant the role ${body.role}`);
    }
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'addMember',
      body,
      async (trx, audit) => {
        const account = await ownAccount(trx, principal.orgId, body.email);
        await addMembership(trx, principal.orgId, account, body.role);
        const userId = account.id;
        await audit({
          action: 'member.add',
          resource_type: 'member',
          resource_id: userId,
          details: { email: body.email.toLowerCase(), role: body.role },
        });
        return { status: 201, body: toApi(await findMember(trx, principal.orgId, userId)) };
      },
    );
    const member = created as z.infer<typeof Member>;
    c.header('ETag', etagOf(1));
    c.header('Location', `/api/v1/members/${member.user_id}`);
    return c.json(member, status as 201);
  });

  app.openapi(routes.get, async (c) => {
    const { orgId } = authorize(c, 'members:read');
    const row = await findMember(services.db, orgId, c.req.valid('param').member);
    c.header('ETag', etagOf(row.version));
    return c.json(toApi(row), 200);
  });

  app.openapi(routes.update, async (c) => {
    const principal = authorize(c, 'members:write');
    const { role } = c.req.valid('json');
    const updated = await mutate(c, services, async (trx, audit) => {
      const row = await findMember(trx, principal.orgId, c.req.valid('param').member);
      checkIfMatch(c, row.version);
      if (row.role === 'owner' && !principal.rights.has('owners:manage'))
        throw forbidden('only an owner may change an owner');
      if (!canGrant(principal.rights, role)) {
        throw forbidden(`this token may not grant the role ${role}`);
      }
      if (row.role === 'owner' && role !== 'owner') {
        const owners = await lockOwners(trx, principal.orgId);
        if (owners.length <= 1) {
          throw invalid(
            'role',
            'the last owner of the organization cannot be demoted; make another owner first',
          );
        }
      }
      await updateMemberRole(trx, principal.orgId, row, role);
      await audit({
        action: 'member.update',
        resource_type: 'member',
        resource_id: row.id,
        details: { email: row.email, role, previous_role: row.role },
      });
      return findMember(trx, principal.orgId, row.id);
    });
    c.header('ETag', etagOf(updated.version));
    return c.json(toApi(updated), 200);
  });

  app.openapi(routes.delete, async (c) => {
    const principal = authorize(c, 'members:write');
    const { orgId } = principal;
    await mutate(c, services, async (trx, audit) => {
      const row = await findMember(trx, orgId, c.req.valid('param').member);
      checkIfMatch(c, row.version);
      if (row.role === 'owner') {
        if (!principal.rights.has('owners:manage')) throw forbidden('only an owner may remove an owner');
        const owners = await lockOwners(trx, orgId);
        if (owners.length <= 1) {
          throw new ApiError(
            'conflict',
            `${row.email} is the last owner of the organization and cannot be removed; make another owner first`,
          );
        }
      }
      const revoked = await removeMember(trx, orgId, row);
      await audit({
        action: 'member.remove',
        resource_type: 'member',
        resource_id: row.id,
        details: { email: row.email, role: row.role, tokens_revoked: revoked },
      });
    });
    return c.body(null, 204);
  });

  return app;
}
