/** /api/v1/members: the people of the organization and their roles. Addressable by user id or email. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { addMembership, ownAccount } from '../organizations/organization-store.js';
import { canGrant } from '../platform/auth/roles.js';
import { refParams } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { ApiError, forbidden, invalid } from '../platform/http/problem.js';
import { addResourceHandlers } from '../platform/http/resource-handlers.js';
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
  examples: { create: { email: 'bob@acme.dev', role: 'member' }, update: { role: 'admin' } },
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

  addResourceHandlers(app, services, routes, {
    type: 'member',
    actions: { create: 'member.add', delete: 'member.remove' },
    rights: { read: 'members:read', write: 'members:write' },
    store: {
      find: findMember,
      list: (db, orgId, page, q) => listMembers(db, orgId, page, { role: q.role, search: q.search }),
    },
    toApi: (rows) => rows.map(toApi),
    itemId: (member) => member.user_id,
    checkCreate(body, principal) {
      if (!canGrant(principal.rights, body.role)) {
        throw forbidden(`this token may not grant the role ${body.role}`);
      }
    },
    async create(trx, body, { orgId }) {
      const account = await ownAccount(trx, orgId, body.email);
      await addMembership(trx, orgId, account, body.role);
      return { id: account.id, details: { email: body.email.toLowerCase(), role: body.role } };
    },
    async update(trx, row, { role }, principal) {
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
      return { email: row.email, role, previous_role: row.role };
    },
    async delete(trx, row, principal) {
      const { orgId } = principal;
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
      return { email: row.email, role: row.role, tokens_revoked: revoked };
    },
  });

  return app;
}
