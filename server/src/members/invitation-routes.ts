/**
 * /api/v1/invitations: an organization invites a person to join with the account they already have; the
 * person accepts with the code while logged in as themselves (any of their organizations' tokens). Until
 * then nothing about them changes, and nothing tells the organization whether the email has an account.
 */
import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import { addMembership, findAccount, findOrganization } from '../organizations/organization-store.js';
import { authorize } from '../platform/auth/authorize.js';
import { canGrant } from '../platform/auth/roles.js';
import {
  errors,
  IDEMPOTENT,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  PageQuery,
  refParams,
} from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { decodeCursor, toPage } from '../platform/http/pagination.js';
import { ApiError, forbidden, notFound } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import {
  Invitation,
  InvitationAccept,
  InvitationAccepted,
  InvitationCreate,
  InvitationCreated,
  InvitationPage,
} from './invitation-schemas.js';
import {
  createInvitation,
  decideInvitation,
  invitationByCode,
  invitationStatus,
  invitationToApi,
  listInvitationRows,
  lockInvitation,
} from './invitation-store.js';

const tags = ['Members'];
const InvitationParams = refParams('invitation_id', 'Invitation id.');

const listInvitations = createRoute({
  method: 'get',
  path: '/invitations',
  operationId: 'listInvitations',
  summary: 'List the organization’s invitations',
  tags,
  request: { query: PageQuery },
  responses: {
    200: jsonResponse(InvitationPage, 'A page of invitations, newest first.'),
    ...errors(400, 401, 403),
  },
});

const createInvitationRoute = createRoute({
  method: 'post',
  path: '/invitations',
  operationId: 'createInvitation',
  summary: 'Invite a person who has an account',
  description:
    'The person joins with their own account when they accept (`POST /invitations/accept` with the code, ' +
    'shown once here), within 7 days. The answer is the same whether or not the email has an account. The ' +
    'role is at most what the caller may grant.',
  tags,
  ...IDEMPOTENT,
  request: {
    headers: IdempotencyHeaders,
    body: jsonBody(InvitationCreate, { email: 'carol@acme.dev', role: 'member' }),
  },
  responses: {
    201: jsonResponse(InvitationCreated, 'The invitation, with its code (shown once).'),
    ...errors(400, 401, 403, 413, 415, 422),
  },
});

const revokeInvitation = createRoute({
  method: 'delete',
  path: '/invitations/{invitation_id}',
  operationId: 'revokeInvitation',
  summary: 'Revoke a pending invitation',
  tags,
  request: { params: InvitationParams },
  responses: { 204: { description: 'Revoked.' }, ...errors(401, 403, 404, 409) },
});

const acceptInvitation = createRoute({
  method: 'post',
  path: '/invitations/accept',
  operationId: 'acceptInvitation',
  summary: 'Accept an invitation with one’s own account',
  description:
    'With a person’s token (of any organization they belong to) whose email is the invitation’s: the account ' +
    'becomes a member of the inviting organization with the invitation’s role. Audited there.',
  tags,
  request: { body: jsonBody(InvitationAccept, { code: 'inv_6q1Yt3kP9zX2cV7bN4mL' }) },
  responses: {
    200: jsonResponse(InvitationAccepted, 'The organization joined.'),
    ...errors(400, 401, 403, 404, 409, 413, 415),
  },
});

const gone = () => notFound('invitation (unknown, expired, revoked or already accepted)');

export function invitationRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(listInvitations, async (c) => {
    const { orgId } = authorize(c, 'members:read');
    const q = c.req.valid('query');
    const before = decodeCursor(q.cursor);
    const rows = await listInvitationRows(services.db, orgId, { before, limit: q.limit });
    return c.json(
      toPage(rows, q.limit, (row) => Invitation.parse(invitationToApi(row))),
      200,
    );
  });

  app.openapi(createInvitationRoute, async (c) => {
    const principal = authorize(c, 'members:write');
    const body = c.req.valid('json');
    if (!canGrant(principal.rights, body.role)) {
      throw forbidden(`this token may not grant the role ${body.role}`);
    }
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'createInvitation',
      body,
      async (trx, audit) => {
        const { row, code } = await createInvitation(trx, {
          orgId: principal.orgId,
          email: body.email,
          role: body.role,
          invitedBy: principal.actor,
        });
        await audit({
          action: 'invitation.create',
          resource_type: 'invitation',
          resource_id: row.id,
          details: { email: row.email, role: row.role },
        });
        return { status: 201, body: { ...invitationToApi(row), code } };
      },
    );
    const invitation = InvitationCreated.parse(created);
    c.header('Location', `/api/v1/invitations/${invitation.id}`);
    return c.json(invitation, status as 201);
  });

  app.openapi(revokeInvitation, async (c) => {
    const { orgId } = authorize(c, 'members:write');
    const { invitation_id } = c.req.valid('param');
    await mutate(c, services, async (trx, audit) => {
      const row = await lockInvitation(trx, orgId, invitation_id);
      if (!row) throw notFound(`invitation ${invitation_id}`);
      if (invitationStatus(row) !== 'pending') {
        throw new ApiError('conflict', `the invitation is ${invitationStatus(row)}, no longer pending`);
      }
      await decideInvitation(trx, row.id, { status: 'revoked' });
      await audit({
        action: 'invitation.revoke',
        resource_type: 'invitation',
        resource_id: row.id,
        details: { email: row.email },
      });
    });
    return c.body(null, 204);
  });

  app.openapi(acceptInvitation, async (c) => {
    const principal = c.get('principal');
    // One's own account joins: only a person's token, whatever its organization and role.
    if (principal.kind !== 'admin' || !principal.userId) {
      throw forbidden('only a person’s token can accept an invitation');
    }
    const { code } = c.req.valid('json');
    const found = await invitationByCode(services.db, code);
    if (!found) throw gone();
    const accepted = await mutate(
      c,
      services,
      async (trx, audit) => {
        const row = await invitationByCode(trx, code);
        if (!row || invitationStatus(row) !== 'pending') throw gone();
        const account = await findAccount(trx, principal.userId!);
        if (account.email !== row.email) {
          throw forbidden(`the invitation is for another email than ${account.email}`);
        }
        await addMembership(trx, row.org_id, account, row.role);
        await decideInvitation(trx, row.id, { status: 'accepted', userId: account.id });
        // Audited in the organization joined, and as a member change there: its proxies refresh who may connect.
        await audit({
          action: 'member.add',
          resource_type: 'member',
          resource_id: account.id,
          details: { email: account.email, role: row.role, invitation_id: row.id },
        });
        // The invitation's organization exists: deleting one deletes its invitations.
        const org = (await findOrganization(trx, row.org_id))!;
        return { organization: { id: org.id, name: org.name }, role: row.role };
      },
      { orgId: found.org_id },
    );
    return c.json(InvitationAccepted.parse(accepted) as z.infer<typeof InvitationAccepted>, 200);
  });

  return app;
}
