/**
 * Passwords of local accounts over HTTP, on each store: who may set whose, changing one's own with the
 * current one, argon2id at rest, audit entries without the password, and the bootstrap's first password.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { startServer } from '../server.js';
import { issueToken } from '../tokens/token-store.js';
import { verifyPassword } from './password.js';

for (const dialect of DIALECTS) {
  describe(`passwords (${dialect})`, () => {
    let h: Harness;
    let adminToken: string;
    const put = (path: string, json: unknown, token?: string) =>
      h.request(path, { method: 'PUT', json, ...(token !== undefined && { token }) });
    /** The password hash of the account the harness's organization made for `email`. */
    const hashOf = async (email: string) =>
      (
        await h.services.db
          .selectFrom('users as u')
          .innerJoin('organizations as o', 'o.id', 'u.home_org_id')
          .select('u.password_hash')
          .where('u.email', '=', email)
          .where('o.name', '=', h.orgName)
          .executeTakeFirstOrThrow()
      ).password_hash;

    beforeAll(async () => {
      h = await createHarness(dialect);
      for (const [email, role] of [
        ['carol@acme.dev', 'member'],
        ['dave@acme.dev', 'admin'],
      ] as const) {
        expect((await h.request('/api/v1/members', { method: 'POST', json: { email, role } })).status).toBe(
          201,
        );
      }
      const dave = await h.services.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'dave@acme.dev')
        .executeTakeFirstOrThrow();
      const org = await h.services.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow();
      ({ secret: adminToken } = await issueToken(h.services.db, {
        orgId: org.id,
        kind: 'admin',
        name: 'dave',
        role: 'admin',
        userId: dave.id,
      }));
    });
    afterAll(() => h?.close());

    it('lets an admin set a member’s password, stored as argon2id and audited without it', async () => {
      const password = 'carol-first-password';
      expect((await put('/api/v1/members/carol@acme.dev/password', { password }, adminToken)).status).toBe(
        204,
      );
      const hash = await hashOf('carol@acme.dev');
      expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await verifyPassword(password, hash)).toBe(true);
      expect(await verifyPassword('something-else-entirely', hash)).toBe(false);
      const audit = await (await h.request('/api/v1/audit?resource_type=member')).text();
      expect(audit).toContain('member.password.set');
      expect(audit).not.toContain(password);
    });

    it('refuses short passwords, unknown members, and an admin setting an owner’s', async () => {
      expect((await put('/api/v1/members/carol@acme.dev/password', { password: 'short' })).status).toBe(400);
      expect(
        (await put('/api/v1/members/nobody@acme.dev/password', { password: 'x'.repeat(12) })).status,
      ).toBe(404);
      const before = await hashOf('owner@acme.dev');
      const res = await put(
        '/api/v1/members/owner@acme.dev/password',
        { password: 'x'.repeat(12) },
        adminToken,
      );
      expect(res.status).toBe(403);
      expect(await hashOf('owner@acme.dev')).toBe(before);
    });

    it('sets only passwords of accounts this organization made, whatever another organization does', async () => {
      const other = await h.request('/api/v1/organizations', { method: 'POST', json: { name: 'globex' } });
      const { owner_token: globexToken, id: globexId } = (await other.json()) as {
        owner_token: string;
        id: string;
      };
      // Globex adds the same email: it gets an account of its own, and sets its password.
      const added = await h.request('/api/v1/members', {
        method: 'POST',
        token: globexToken,
        json: { email: 'carol@acme.dev', role: 'member' },
      });
      expect(added.status).toBe(201);
      const acmeCarol = await hashOf('carol@acme.dev');
      expect(
        (await put('/api/v1/members/carol@acme.dev/password', { password: 'g'.repeat(12) }, globexToken))
          .status,
      ).toBe(204);
      // Acme's carol is untouched, and Acme still sets her password.
      expect(await hashOf('carol@acme.dev')).toBe(acmeCarol);
      expect(
        (await put('/api/v1/members/carol@acme.dev/password', { password: 'a'.repeat(12) })).status,
      ).toBe(204);
      expect(await verifyPassword('a'.repeat(12), await hashOf('carol@acme.dev'))).toBe(true);
      const globexCarol = await h.services.db
        .selectFrom('users')
        .select('password_hash')
        .where('email', '=', 'carol@acme.dev')
        .where('home_org_id', '=', globexId)
        .executeTakeFirstOrThrow();
      expect(await verifyPassword('g'.repeat(12), globexCarol.password_hash)).toBe(true);
    });

    it('changes one’s own password only with the current one', async () => {
      const wrong = await put('/api/v1/me/password', {
        current_password: 'not-the-password',
        password: 'owner-new-password',
      });
      expect(wrong.status).toBe(403);
      expect(await verifyPassword(h.ownerPassword, await hashOf('owner@acme.dev'))).toBe(true);
      const missing = await put('/api/v1/me/password', { password: 'owner-new-password' });
      expect(missing.status).toBe(403);
      const right = await put('/api/v1/me/password', {
        current_password: h.ownerPassword,
        password: 'owner-new-password',
      });
      expect(right.status).toBe(204);
      expect(await verifyPassword('owner-new-password', await hashOf('owner@acme.dev'))).toBe(true);
    });

    it('lets a person without a password set a first one with their token alone', async () => {
      expect(await hashOf('dave@acme.dev')).toBeNull();
      const res = await put('/api/v1/me/password', { password: 'dave-first-password' }, adminToken);
      expect(res.status).toBe(204);
      expect(await verifyPassword('dave-first-password', await hashOf('dave@acme.dev'))).toBe(true);
    });

    it('refuses machine tokens on /me/password', async () => {
      const account = await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'bot', role: 'admin' },
      });
      const { id } = (await account.json()) as { id: string };
      const token = await h.request(`/api/v1/service-accounts/${id}/tokens`, {
        method: 'POST',
        json: { name: 't' },
      });
      const { token: secret } = (await token.json()) as { token: string };
      expect((await put('/api/v1/me/password', { password: 'z'.repeat(12) }, secret)).status).toBe(403);
    });
  });
}

describe('bootstrap password', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'border0-password-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('sets a random password for the first owner, writes it 0600 and exposes it once', async () => {
    const logger = pino({ level: 'silent' });
    const first = await startServer({ dataDir, port: 0, logger, defaultMetrics: false });
    try {
      expect(first.adminPassword).toMatch(/^[\w-]{24}$/);
      const file = join(dataDir, 'admin-password');
      expect(readFileSync(file, 'utf8').trim()).toBe(first.adminPassword);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const row = await first.services.db
        .selectFrom('users')
        .select('password_hash')
        .executeTakeFirstOrThrow();
      expect(await verifyPassword(first.adminPassword!, row.password_hash)).toBe(true);
    } finally {
      await first.close();
    }
    const again = await startServer({ dataDir, port: 0, logger, defaultMetrics: false });
    expect(again.adminPassword).toBeUndefined();
    await again.close();
  });
});
