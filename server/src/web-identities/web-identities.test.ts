/**
 * Web identities: a service account trusts an OIDC issuer (a real oidc-provider on loopback playing a CI
 * system), and `POST /auth/web-identity` trades that issuer's tokens, when their audience, subject and claims
 * match, for short-lived tokens of the account. Every refusal is the same 401; the audit log says why.
 */
import { startTestCiIssuer, type TestCiIssuer } from '@border0/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { claimMatches } from './claim-pattern.js';

// biome-ignore lint/suspicious/noExplicitAny: bodies are plain JSON, checked by the assertions
type Body = any;
const read = async (res: Response | Promise<Response>): Promise<Body> => (await res).json();

const AUDIENCE = 'https://border0.test';

describe('claim patterns', () => {
  it('matches exactly without `*`, and `*` as any run of characters', () => {
    expect(claimMatches('acme/app', 'acme/app')).toBe(true);
    expect(claimMatches('acme/app', 'acme/app2')).toBe(false);
    expect(claimMatches('repo:acme/*:ref:refs/heads/main', 'repo:acme/app:ref:refs/heads/main')).toBe(true);
    expect(claimMatches('repo:acme/*:ref:refs/heads/main', 'repo:acme/app:ref:refs/heads/dev')).toBe(false);
    expect(claimMatches('a*b*c', 'abc')).toBe(true);
    expect(claimMatches('a*b*c', 'axxbyyc')).toBe(true);
    expect(claimMatches('a*b*c', 'axxbyy')).toBe(false);
    expect(claimMatches('a.c', 'abc')).toBe(false);
    expect(claimMatches('acme', 42)).toBe(false);
    expect(claimMatches('acme', ['acme'])).toBe(false);
  });

  it('takes bounded time on a pattern built to backtrack', () => {
    const started = performance.now();
    expect(claimMatches(`${'a*'.repeat(100)}b`, 'a'.repeat(10_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

for (const dialect of DIALECTS) {
  describe(`web identities (${dialect})`, () => {
    let h: Harness;
    let ci: TestCiIssuer;
    let stranger: TestCiIssuer;

    beforeAll(async () => {
      h = await createHarness(dialect);
      ci = await startTestCiIssuer({
        jobs: {
          'acme-app': { repository: 'acme/app' },
          'acme-fork': { repository: 'evil/app' },
          other: { repository: 'other/app' },
        },
      });
      stranger = await startTestCiIssuer({ jobs: { 'acme-app': { repository: 'acme/app' } } });
      const account = await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'deploy', role: 'admin' },
      });
      expect(account.status).toBe(201);
      // Each test below starts from this trust (and leaves it so), so that each also runs alone.
      expect((await trust({ claims: { repository: 'acme/app' } })).status).toBe(201);
    });
    afterAll(async () => {
      await ci?.close();
      await stranger?.close();
      await h?.close();
    });

    const trust = (json: Record<string, unknown>, account = 'deploy', token?: string | null) =>
      h.request(`/api/v1/service-accounts/${account}/web-identities`, {
        method: 'POST',
        json: { name: 'ci', issuer: ci.issuer, audience: AUDIENCE, subject: 'acme-*', ...json },
        ...(token !== undefined && { token }),
      });
    const exchange = (token: string, json: Record<string, unknown> = {}) =>
      h.request('/api/v1/auth/web-identity', {
        method: 'POST',
        token: null,
        json: { organization: h.orgName, service_account: 'deploy', token, ...json },
      });
    const lastAudit = async (action: string) => {
      const page = await read(h.request(`/api/v1/audit?action=${action}&limit=500`));
      return page.items.at(-1);
    };
    async function expectRefused(res: Response, reason: string) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = await read(res);
      // The same words whatever failed: nothing about the account's configuration.
      expect(problem.detail).toBe('the web identity token was refused');
      expect((await lastAudit('service_account.web_identity.refuse')).details.reason).toBe(reason);
    }

    it('trusts an issuer for an account, lists it, and refuses invalid trusts naming the field', async () => {
      const list = await read(h.request('/api/v1/service-accounts/deploy/web-identities'));
      expect(list.items).toHaveLength(1);
      const body = list.items[0];
      expect(body).toMatchObject({
        name: 'ci',
        issuer: ci.issuer,
        audience: AUDIENCE,
        subject: 'acme-*',
        claims: { repository: 'acme/app' },
      });
      expect((await trust({})).status).toBe(409);
      const invalid: [Record<string, unknown>, string][] = [
        [{ issuer: 'http://ci.example.com' }, 'issuer'],
        [{ issuer: 'https://ci.example.com/?x=1' }, 'issuer'],
        [{ audience: '' }, 'audience'],
        [{ subject: '**' }, 'subject'],
        [{ claims: { aud: 'x' } }, 'claims.aud'],
        [{ claims: { repository: '' } }, 'claims.repository'],
        [{ name: 'Not A Name' }, 'name'],
        [{ extra: true }, 'extra'],
      ];
      for (const [json, field] of invalid) {
        const res = await trust({ name: 'other', ...json });
        expect(res.status, JSON.stringify(json)).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect((await read(res)).errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    });

    it('exchanges a token of the trusted issuer for a short-lived token of the account', async () => {
      const res = await exchange(await ci.token('acme-app', AUDIENCE));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = await read(res);
      expect(body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 900,
        organization: h.orgName,
        service_account: 'deploy',
        role: 'admin',
      });
      expect(body.access_token).toMatch(/^b0s_/);
      expect(Math.abs(new Date(body.expires_at).getTime() - (Date.now() + 900_000))).toBeLessThan(60_000);
      expect((await h.request('/api/v1/sockets', { token: body.access_token })).status).toBe(200);
      const tokens = await read(h.request('/api/v1/service-accounts/deploy/tokens'));
      expect(tokens.items.map((t: { name: string }) => t.name)).toContain('web identity ci');
      const audit = await lastAudit('service_account.web_identity.exchange');
      expect(audit).toMatchObject({
        actor: 'service_account:deploy',
        details: { web_identity: 'ci', issuer: ci.issuer, subject: 'acme-app' },
      });
    });

    it('refuses a token for another audience', async () => {
      await expectRefused(await exchange(await ci.token('acme-app', 'https://elsewhere.test')), 'audience');
    });

    it('refuses a token whose subject or required claim does not match', async () => {
      await expectRefused(await exchange(await ci.token('other', AUDIENCE)), 'subject');
      await expectRefused(await exchange(await ci.token('acme-fork', AUDIENCE)), 'claims');
    });

    it('refuses an expired token, and one not yet valid', async () => {
      // The issuer's clock an hour behind: its token expired 55 minutes ago. Then an hour ahead.
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() - 60 * 60 * 1000);
        const expired = await ci.token('acme-app', AUDIENCE);
        vi.setSystemTime(Date.now() + 2 * 60 * 60 * 1000);
        const early = await ci.token('acme-app', AUDIENCE);
        vi.useRealTimers();
        await expectRefused(await exchange(expired), 'expired');
        await expectRefused(await exchange(early), 'not_yet_valid');
      } finally {
        vi.useRealTimers();
      }
    });

    it('refuses a token of an issuer the account does not trust, and one signed with a shared secret', async () => {
      await expectRefused(await exchange(await stranger.token('acme-app', AUDIENCE)), 'untrusted_issuer');
      const now = Math.floor(Date.now() / 1000);
      const forged = await new SignJWT({ repository: 'acme/app' })
        .setProtectedHeader({ alg: 'HS256', kid: 'ci' })
        .setIssuer(ci.issuer)
        .setAudience(AUDIENCE)
        .setSubject('acme-app')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(new TextEncoder().encode('a shared secret anyone could have'));
      await expectRefused(await exchange(forged), 'signature');
      const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${forged.split('.')[1]}.`;
      await expectRefused(await exchange(unsigned), 'signature');
      await expectRefused(await exchange('not-a-jwt'), 'malformed');
      // A real token with its payload changed: the signature no longer holds.
      const real = (await ci.token('other', AUDIENCE)).split('.');
      const payload = JSON.parse(Buffer.from(real[1]!, 'base64url').toString());
      real[1] = Buffer.from(JSON.stringify({ ...payload, sub: 'acme-app', repository: 'acme/app' })).toString(
        'base64url',
      );
      await expectRefused(await exchange(real.join('.')), 'signature');
    });

    it('refuses an unknown organization or service account with the same answer', async () => {
      const token = await ci.token('acme-app', AUDIENCE);
      const noOrg = await exchange(token, { organization: 'no-such-org' });
      expect(noOrg.status).toBe(401);
      expect((await read(noOrg)).detail).toBe('the web identity token was refused');
      await expectRefused(await exchange(token, { service_account: 'nobody' }), 'unknown_service_account');
      const bad = await exchange(token, { organization: 'Not Valid' });
      expect(bad.status).toBe(400);
      expect((await read(bad)).errors[0].field).toBe('organization');
    });

    it('applies a change of trust at once: deleting it refuses new exchanges and revokes its tokens', async () => {
      const { access_token } = await read(exchange(await ci.token('acme-app', AUDIENCE)));
      expect((await h.request('/api/v1/sockets', { token: access_token })).status).toBe(200);
      const del = await h.request('/api/v1/service-accounts/deploy/web-identities/ci', { method: 'DELETE' });
      expect(del.status).toBe(204);
      expect((await h.request('/api/v1/sockets', { token: access_token })).status).toBe(401);
      await expectRefused(await exchange(await ci.token('acme-app', AUDIENCE)), 'untrusted_issuer');
      expect((await lastAudit('service_account.web_identity.delete')).details.web_identity).toBe('ci');
      // Trusted again, with a narrower subject: the next exchange follows it.
      expect((await trust({ subject: 'acme-fork' })).status).toBe(201);
      await expectRefused(await exchange(await ci.token('acme-app', AUDIENCE)), 'subject');
      expect((await exchange(await ci.token('acme-fork', AUDIENCE))).status).toBe(200);
      expect(
        (await h.request('/api/v1/service-accounts/deploy/web-identities/ci', { method: 'DELETE' })).status,
      ).toBe(204);
      expect((await trust({ claims: { repository: 'acme/app' } })).status).toBe(201);
    });

    it('refuses a deleted service account, whose exchanged tokens stop working with it', async () => {
      await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'gone', role: 'read_only' },
      });
      expect((await trust({}, 'gone')).status).toBe(201);
      const token = await ci.token('acme-app', AUDIENCE);
      const { access_token } = await read(exchange(token, { service_account: 'gone' }));
      expect((await h.request('/api/v1/sockets', { token: access_token })).status).toBe(200);
      expect((await h.request('/api/v1/service-accounts/gone', { method: 'DELETE' })).status).toBe(204);
      expect((await h.request('/api/v1/sockets', { token: access_token })).status).toBe(401);
      await expectRefused(await exchange(token, { service_account: 'gone' }), 'unknown_service_account');
    });

    it('limits exchanges per address and minute, with Retry-After', async () => {
      // As the Node server hands requests over: with the peer's socket.
      const from = (remoteAddress: string) =>
        h.app.fetch(
          new Request('http://test/api/v1/auth/web-identity', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ organization: h.orgName, service_account: 'deploy', token: 'not-a-jwt' }),
          }),
          { incoming: { socket: { remoteAddress } } },
        );
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await from('203.0.113.30')).status);
      expect(new Set(statuses)).toEqual(new Set([401]));
      const limited = await from('203.0.113.30');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await from('203.0.113.31')).status).toBe(401);
    });

    it('keeps an admin from trusting issuers for an owner’s account', async () => {
      await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'root-bot', role: 'owner' },
      });
      const { token } = await read(
        h.request('/api/v1/service-accounts/deploy/tokens', { method: 'POST', json: { name: 'admin' } }),
      );
      expect((await trust({}, 'root-bot', token)).status).toBe(403);
      expect((await trust({ name: 'own', subject: 'own-job' }, 'deploy', token)).status).toBe(201);
    });

    it('does not reveal or use the trusts of another organization', async () => {
      const created = await read(
        h.request('/api/v1/organizations', { method: 'POST', json: { name: 'globex' } }),
      );
      const other = created.owner_token;
      await h.request('/api/v1/service-accounts', {
        method: 'POST',
        token: other,
        json: { name: 'deploy', role: 'admin' },
      });
      const ours = await read(h.request('/api/v1/service-accounts/deploy/web-identities'));
      const id = ours.items[0].id;
      expect(
        (await h.request('/api/v1/service-accounts/deploy/web-identities', { token: other })).status,
      ).toBe(200);
      expect(
        (await read(h.request('/api/v1/service-accounts/deploy/web-identities', { token: other }))).items,
      ).toEqual([]);
      const theirDelete = await h.request(`/api/v1/service-accounts/deploy/web-identities/${id}`, {
        method: 'DELETE',
        token: other,
      });
      expect(theirDelete.status).toBe(404);
      // Our trust is on our account only: globex's account of the same name takes none of our issuer's tokens.
      const res = await exchange(await ci.token('acme-app', AUDIENCE), { organization: 'globex' });
      expect(res.status).toBe(401);
    });
  });
}
