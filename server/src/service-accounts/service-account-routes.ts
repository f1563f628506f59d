/** /api/v1/service-accounts: non-human principals and their tokens. Addressable by id or name. */
import { OpenAPIHono, type z } from '@hono/zod-openapi';
import { authorize } from '../platform/auth/authorize.js';
import { canGrant, type Role } from '../platform/auth/roles.js';
import { refParams } from '../platform/http/common-schemas.js';
import type { AppEnv, Principal } from '../platform/http/env.js';
import { checkIfMatch, etagOf } from '../platform/http/etag.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { decodeCursor, toPage } from '../platform/http/pagination.js';
import { forbidden } from '../platform/http/problem.js';
import { resourceRoutes } from '../platform/http/resource-routes.js';
import type { Services } from '../services.js';
import { addOwnedTokenRoutes } from '../tokens/owned-token-routes.js';
import {
  ServiceAccount,
  ServiceAccountCreate,
  ServiceAccountPage,
  ServiceAccountUpdate,
} from './service-account-schemas.js';
import {
  deleteServiceAccount,
  findServiceAccount,
  insertServiceAccount,
  listServiceAccounts,
  type ServiceAccountRow,
  updateServiceAccount,
} from './service-account-store.js';

const tags = ['Service accounts'];
const routes = resourceRoutes({
  path: '/service-accounts',
  params: refParams('service_account', 'Service account id or name.'),
  noun: 'service account',
  plural: 'service accounts',
  tags,
  item: ServiceAccount,
  create: ServiceAccountCreate,
  update: ServiceAccountUpdate,
  page: ServiceAccountPage,
  operations: {
    list: { operationId: 'listServiceAccounts' },
    create: { operationId: 'createServiceAccount', description: 'The role is at most the caller’s own.' },
    get: { operationId: 'getServiceAccount' },
    update: { operationId: 'updateServiceAccount' },
    delete: { operationId: 'deleteServiceAccount', description: 'Its tokens stop working at once.' },
  },
});

/** Managing an account (or minting its tokens) is granting its role: an admin cannot touch an owner's. */
function checkGrant(principal: Principal, role: string) {
  if (!canGrant(principal.rights, role as Role)) {
    throw forbidden(`this token may not manage a service account with the role ${role}`);
  }
}

export function serviceAccountRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const toApi = (row: ServiceAccountRow) =>
    ServiceAccount.parse({
      id: row.id,
      name: row.name,
      description: row.description,
      role: row.role,
      created_at: new Date(row.created_at).toISOString(),
      updated_at: new Date(row.updated_at).toISOString(),
    });

  app.openapi(routes.list, async (c) => {
    const { orgId } = authorize(c, 'members:read');
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor);
    const rows = await listServiceAccounts(services.db, orgId, { after, limit: q.limit });
    return c.json(toPage(rows, q.limit, toApi), 200);
  });

  app.openapi(routes.create, async (c) => {
    const principal = authorize(c, 'members:write');
    const body = c.req.valid('json');
    checkGrant(principal, body.role);
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'createServiceAccount',
      body,
      async (trx, audit) => {
        const id = await insertServiceAccount(trx, principal.orgId, body);
        await audit({
          action: 'service_account.create',
          resource_type: 'service_account',
          resource_id: id,
          details: { name: body.name, role: body.role },
        });
        return { status: 201, body: toApi(await findServiceAccount(trx, principal.orgId, id)) };
      },
    );
    const account = created as z.infer<typeof ServiceAccount>;
    c.header('ETag', etagOf(1));
    c.header('Location', `/api/v1/service-accounts/${account.id}`);
    return c.json(account, status as 201);
  });

  app.openapi(routes.get, async (c) => {
    const { orgId } = authorize(c, 'members:read');
    const row = await findServiceAccount(services.db, orgId, c.req.valid('param').service_account);
    c.header('ETag', etagOf(row.version));
    return c.json(toApi(row), 200);
  });

  app.openapi(routes.update, async (c) => {
    const principal = authorize(c, 'members:write');
    const { orgId } = principal;
    const body = c.req.valid('json');
    const updated = await mutate(c, services, async (trx, audit) => {
      const row = await findServiceAccount(trx, orgId, c.req.valid('param').service_account);
      checkIfMatch(c, row.version);
      checkGrant(principal, row.role);
      if (body.role !== undefined) checkGrant(principal, body.role);
      await updateServiceAccount(trx, row, body);
      await audit({
        action: 'service_account.update',
        resource_type: 'service_account',
        resource_id: row.id,
        details: { name: body.name ?? row.name, fields: Object.keys(body), role: body.role ?? row.role },
      });
      return findServiceAccount(trx, orgId, row.id);
    });
    c.header('ETag', etagOf(updated.version));
    return c.json(toApi(updated), 200);
  });

  app.openapi(routes.delete, async (c) => {
    const principal = authorize(c, 'members:write');
    await mutate(c, services, async (trx, audit) => {
      const row = await findServiceAccount(trx, principal.orgId, c.req.valid('param').service_account);
      checkIfMatch(c, row.version);
      checkGrant(principal, row.role);
      await deleteServiceAccount(trx, row);
      await audit({
        action: 'service_account.delete',
        resource_type: 'service_account',
        resource_id: row.id,
        details: { name: row.name, role: row.role },
      });
    });
    return c.body(null, 204);
  });

  addOwnedTokenRoutes(app, services, {
    kind: 'service_account',
    path: '/service-accounts/{service_account}',
    param: 'service_account',
    paramDescription: 'Service account id or name.',
    tag: tags[0]!,
    noun: 'service account',
    operationIds: {
      list: 'listServiceAccountTokens',
      create: 'createServiceAccountToken',
      delete: 'deleteServiceAccountToken',
    },
    permissions: { read: 'tokens:read', write: 'tokens:write' },
    async find(db, principal, ref, write) {
      const row = await findServiceAccount(db, principal.orgId, ref);
      if (write) checkGrant(principal, row.role);
      return row;
    },
  });

  return app;
}
