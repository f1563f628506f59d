/** /api/v1/service-accounts: non-human principals and their tokens. Addressable by id or name. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { canGrant, type Role } from '../platform/auth/roles.js';
import { refParams } from '../platform/http/common-schemas.js';
import type { AppEnv, Principal } from '../platform/http/env.js';
import { forbidden } from '../platform/http/problem.js';
import { addResourceHandlers } from '../platform/http/resource-handlers.js';
import { resourceRoutes, standardOperations } from '../platform/http/resource-routes.js';
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
  examples: { create: { name: 'deploy-bot', role: 'member' }, update: { role: 'read_only' } },
  page: ServiceAccountPage,
  operations: {
    ...standardOperations('ServiceAccount', 'ServiceAccounts'),
    create: { operationId: 'createServiceAccount', description: 'The role is at most the caller’s own.' },
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

  addResourceHandlers(app, services, routes, {
    type: 'service_account',
    rights: { read: 'members:read', write: 'members:write' },
    store: { find: findServiceAccount, list: listServiceAccounts },
    toApi: (rows) => rows.map(toApi),
    checkCreate: (body, principal) => checkGrant(principal, body.role),
    async create(trx, body, { orgId }) {
      const id = await insertServiceAccount(trx, orgId, body);
      return { id, details: { name: body.name, role: body.role } };
    },
    async update(trx, row, body, principal) {
      checkGrant(principal, row.role);
      if (body.role !== undefined) checkGrant(principal, body.role);
      await updateServiceAccount(trx, row, body);
      return { name: body.name ?? row.name, fields: Object.keys(body), role: body.role ?? row.role };
    },
    async delete(trx, row, principal) {
      checkGrant(principal, row.role);
      await deleteServiceAccount(trx, row);
      return { name: row.name, role: row.role };
    },
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
