import type { PolicyInput } from '@border0/sdk/policy';
import { describe, expect, it } from 'vitest';
import { OrganizationAccessCache } from './organization-access-cache.js';

const socket = { id: 'sock-1', socket_type: 'tls' as const, tags: {} };
const tls = (email: string) => ({ identity: { email }, action: { type: 'tls' as const } });
const policy = (email: string): PolicyInput => ({
  id: `p-${email}`,
  name: `for-${email}`,
  org_wide: true,
  socket_ids: [],
  tag_rules: [],
  document: { permissions: { tls: {} }, condition: { who: { email: [email] } } },
});
const data = (org: string, version: string, email: string) => ({
  organization_id: org,
  version,
  policies: [policy(email)],
  identities: [
    { email: 'alice@acme.dev', groups: [] },
    { email: 'bob@acme.dev', groups: [] },
  ],
  service_accounts: [],
});

describe('OrganizationAccessCache', () => {
  it('keeps the access of a version, and decides with the new policies once the version changes', () => {
    const cache = new OrganizationAccessCache();
    const first = cache.accessFor(data('org-a', 'v1', 'alice@acme.dev'));
    expect(cache.accessFor(data('org-a', 'v1', 'alice@acme.dev'))).toBe(first);
    const next = cache.accessFor(data('org-a', 'v2', 'bob@acme.dev'));
    expect(next).not.toBe(first);
    expect(next.decide(socket, tls('alice@acme.dev')).allowed).toBe(false);
    expect(next.decide(socket, tls('bob@acme.dev')).allowed).toBe(true);
  });

  it('keeps organizations apart, even with the same version', () => {
    const cache = new OrganizationAccessCache();
    const a = cache.accessFor(data('org-a', 'v1', 'alice@acme.dev'));
    const b = cache.accessFor(data('org-b', 'v1', 'bob@acme.dev'));
    expect(b).not.toBe(a);
    expect(b.decide(socket, tls('alice@acme.dev')).allowed).toBe(false);
    expect(cache.accessFor(data('org-a', 'v1', 'alice@acme.dev'))).toBe(a);
  });

  it('forgets the organization used least recently past 256', () => {
    const cache = new OrganizationAccessCache();
    const first = cache.accessFor(data('org-0', 'v1', 'alice@acme.dev'));
    const second = cache.accessFor(data('org-1', 'v1', 'alice@acme.dev'));
    expect(cache.accessFor(data('org-0', 'v1', 'alice@acme.dev'))).toBe(first);
    for (let i = 2; i <= 256; i++) cache.accessFor(data(`org-${i}`, 'v1', 'alice@acme.dev'));
    expect(cache.accessFor(data('org-0', 'v1', 'alice@acme.dev'))).toBe(first);
    expect(cache.accessFor(data('org-1', 'v1', 'alice@acme.dev'))).not.toBe(second);
  });
});
