/** /api/v1/organizations: the caller's organizations; create one, read and update the current one. */
import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { authorize } from '../platform/auth/authorize.js';
import type { Database } from '../platform/db/schema.js';
import { pageOf, refParams } from '../platform/http/common-schemas.js';
import type { AppEnv, Principal } from '../platform/http/env.js';
import { checkIfMatch, etagOf } from '../platform/http/etag.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { decodeCursor, toPage } from '../platform/http/pagination.js';
import { ApiError, notFound } from '../platform/http/problem.js';
import { resourceRoutes } from '../platform/http/resource-routes.js';
import { newId } from '../platform/ids.js';
import type { Services } from '../services.js';
import { issueToken } from '../tokens/token-store.js';
import {
  Organization,
  OrganizationCreate,
  OrganizationCreated,
  OrganizationUpdate,
} from './organization-schemas.js';
import {
  createOrganization,
  findAccount,
  findOrganization,
  listOrganizationsOf,
  type OrganizationRow,
  updateOrganization,
} from './organization-store.js';

const tags = ['Organizations'];
const routes = resourceRoutes({
  path: '/organizations',
  params: refParams('organization', 'Organization id or name, or `current` for the token’s own.'),
  noun: 'organization',
  plural: 'organizations',
  tags,
  item: Organization,
  created: OrganizationCreated,
  create: OrganizationCreate,
  update: OrganizationUpdate,
  examples: { create: { name: 'acme', display_name: 'Acme Inc.' }, update: { display_name: 'Acme Corp.' } },
  page: pageOf(Organization, 'OrganizationPage'),
  operations: {
    list: { operationId: 'listOrganizations', summary: 'List the organizations the caller belongs to' },
    create: {
      operationId: 'createOrganization',
      summary: 'Create an organization owned by the caller',
      response: 'The new organization, with a one-time owner token.',
    },
    get: { operationId: 'getOrganization' },
    update: {
      operationId: 'updateOrganization',
      summary: 'Update the token’s organization',
      conflict: false,
    },
  },
});

export function organizationRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const toApi = (row: OrganizationRow, role: string) =>
    Organization.parse({
      id: row.id,
      name: row.name,
      display_name: row.display_name,
      domain: `${row.name}.${services.baseDomain}`,
      role,
      created_at: new Date(row.created_at).toISOString(),
      updated_at: new Date(row.updated_at).toISOString(),
    });

  /** A token reaches only its own organization; any other is not found. */
  async function findOwn(db: Kysely<Database>, principal: Principal, ref: string) {
    const row = await findOrganization(db, principal.orgId);
    if (!row || (ref !== 'current' && ref !== row.id && ref !== row.name))
      throw notFound(`organization ${ref}`);
    return row;
  }

  app.openapi(routes.list, async (c) => {
    const principal = authorize(c, 'organization:read');
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor);
    // A person sees every organization they belong to; a service account only its own.
    if (!principal.userId) {
      const own = await findOwn(services.db, principal, 'current');
      return c.json(
        toPage(after ? [] : [own], q.limit, (row) => toApi(row, principal.role)),
        200,
      );
    }
    const rows = await listOrganizationsOf(services.db, principal.userId, { after, limit: q.limit });
    return c.json(
      toPage(rows, q.limit, (row) => toApi(row, row.role)),
      200,
    );
  });

  app.openapi(routes.create, async (c) => {
    const principal = authorize(c, 'organizations:create');
    if (!principal.userId)
      throw new ApiError('forbidden', 'only a person’s token can create an organization');
    const body = c.req.valid('json');
    const account = await findAccount(services.db, principal.userId);
    // Made up front: the creation is audited in the new organization, not in the one of the caller's token.
    const orgId = newId();
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'createOrganization',
      body,
      async (trx, audit) => {
        const { organization: org } = await createOrganization(trx, { ...body, id: orgId, owner: account });
        const { secret } = await issueToken(trx, {
          orgId: org.id,
          kind: 'admin',
          name: `owner (created by ${principal.actor})`,
          role: 'owner',
          userId: principal.userId,
        });
        await audit({
          action: 'organization.create',
          resource_type: 'organization',
          resource_id: org.id,
          details: { name: org.name },
        });
        return { status: 201, body: { ...toApi(org, 'owner'), owner_token: secret } };
      },
      { auditOrgId: orgId },
    );
    const org = created as z.infer<typeof OrganizationCreated>;
    c.header('ETag', etagOf(1));
    c.header('Location', `/api/v1/organizations/${org.id}`);
    return c.json(org, status as 201);
  });

  app.openapi(routes.get, async (c) => {
    const principal = authorize(c, 'organization:read');
    const row = await findOwn(services.db, principal, c.req.valid('param').organization);
    c.header('ETag', etagOf(row.version));
    return c.json(toApi(row, principal.role), 200);
  });

  app.openapi(routes.update, async (c) => {
    const principal = authorize(c, 'organization:write');
    const body = c.req.valid('json');
    const updated = await mutate(c, services, async (trx, audit) => {
      const row = await findOwn(trx, principal, c.req.valid('param').organization);
      checkIfMatch(c, row.version);
      const updated = await updateOrganization(trx, row, body);
      await audit({
        action: 'organization.update',
        resource_type: 'organization',
        resource_id: row.id,
        details: { fields: Object.keys(body) },
      });
      return updated;
    });
    c.header('ETag', etagOf(updated.version));
    return c.json(toApi(updated, principal.role), 200);
  });

  return app;
}
