/**
 * Passwords of local accounts: an owner or admin sets a member's (`PUT /members/{member}/password`), a
 * person changes their own with the current one (`PUT /me/password`). Audited without the password.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { findMember } from '../members/member-store.js';
import { authorize } from '../platform/auth/authorize.js';
import { errors, jsonBody, refParams } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { mutate } from '../platform/http/mutation.js';
import { forbidden } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import { hashPassword, verifyPassword } from './password.js';
import { PasswordChange, PasswordSet } from './password-schemas.js';
import { findAccountPassword, setPasswordHash } from './password-store.js';

const tags = ['Members'];

const setMemberPassword = createRoute({
  method: 'put',
  path: '/members/{member}/password',
  operationId: 'setMemberPassword',
  summary: 'Set a member’s password',
  description:
    'Sets the password the member logs in with (device login), for accounts this organization made ' +
    '(`POST /members`). A member who joined with their own account (an accepted invitation) sets their own ' +
    '(403 here). Only an owner may set an owner’s password.',
  tags,
  request: {
    params: refParams('member', 'User id or email.', 254),
    body: jsonBody(PasswordSet, { password: 'correct horse battery staple' }),
  },
  responses: { 204: { description: 'Set.' }, ...errors(400, 401, 403, 404, 413, 415) },
});

const changeMyPassword = createRoute({
  method: 'put',
  path: '/me/password',
  operationId: 'changeMyPassword',
  summary: 'Change one’s own password',
  description:
    'With a person’s token and, once the account has a password, the current one (a wrong one is refused ' +
    'with 403). People in several organizations set their password here.',
  tags,
  request: {
    body: jsonBody(PasswordChange, {
      current_password: 'correct horse battery staple',
      password: 'a longer and newer passphrase',
    }),
  },
  responses: { 204: { description: 'Changed.' }, ...errors(400, 401, 403, 413, 415) },
});

export function passwordRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(setMemberPassword, async (c) => {
    const principal = authorize(c, 'members:write');
    const { password } = c.req.valid('json');
    // Hashed before the transaction: argon2id is deliberately slow and needs no lock.
    const hash = await hashPassword(password);
    await mutate(c, services, async (trx, audit) => {
      const row = await findMember(trx, principal.orgId, c.req.valid('param').member);
      // Setting an owner's password is taking over the owner's account.
      if (row.role === 'owner' && !principal.rights.has('owners:manage')) {
        throw forbidden('only an owner may set an owner’s password');
      }
      // Only the organization that made the account manages its password: a person who joined from their own
      // account elsewhere (an accepted invitation) keeps it to themselves and changes it with /me/password.
      const account = await findAccountPassword(trx, row.id);
      if (account.home_org_id !== principal.orgId) {
        throw forbidden(`${row.email} joined with an account of their own and sets their own password`);
      }
      await setPasswordHash(trx, row.id, hash);
      await audit({
        action: 'member.password.set',
        resource_type: 'member',
        resource_id: row.id,
        details: { email: row.email },
      });
    });
    return c.body(null, 204);
  });

  app.openapi(changeMyPassword, async (c) => {
    const principal = c.get('principal');
    // A person's own account: any role may change it, no token of a machine may.
    if (principal.kind !== 'admin' || !principal.userId) {
      throw forbidden('only a person’s token may change its password');
    }
    const body = c.req.valid('json');
    const user = await findAccountPassword(services.db, principal.userId);
    // The first password of an account is set with the token alone; after that the current one is needed.
    if (user.password_hash && !(await verifyPassword(body.current_password ?? '', user.password_hash))) {
      throw forbidden('the current password is wrong');
    }
    const hash = await hashPassword(body.password);
    await mutate(c, services, async (trx, audit) => {
      await setPasswordHash(trx, user.id, hash);
      await audit({
        action: 'member.password.change',
        resource_type: 'member',
        resource_id: user.id,
        details: { email: user.email },
      });
    });
    return c.body(null, 204);
  });

  return app;
}
