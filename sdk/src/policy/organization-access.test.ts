/** Standing before policies: who may use the organization's sockets now decides before any policy does. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrganizationAccess, type OrganizationPolicyData } from './organization-access.js';
import type { AccessRequest, PolicyInput, SocketInput } from './types.js';

const GROUP = '0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e';
const socket: SocketInput = { id: 'sock-1', socket_type: 'tls', tags: {} };

/** Allows tls to everyone it names: the emails, the group, the service account. */
const allowAll: PolicyInput = {
  id: 'p1',
  name: 'everyone',
  document: {
    version: 'v2',
    permissions: { tls: {} },
    condition: {
      who: { email: ['alice@acme.dev', 'gone@acme.dev'], group: [GROUP], service_account: ['ci'] },
    },
  } as PolicyInput['document'],
  org_wide: true,
  tag_rules: [],
  socket_ids: [],
};

const data = (over: Partial<OrganizationPolicyData> = {}): OrganizationPolicyData => ({
  policies: [allowAll],
  identities: [
    { email: 'alice@acme.dev', groups: [] },
    { email: 'bob@acme.dev', groups: [GROUP] },
  ],
  service_accounts: ['ci'],
  ...over,
});

const tls = (identity: AccessRequest['identity']): AccessRequest => ({ identity, action: { type: 'tls' } });

describe('OrganizationAccess', () => {
  it('allows a member with standing whom a policy names', () => {
    expect(new OrganizationAccess(data()).decide(socket, tls({ email: 'Alice@Acme.dev' })).allowed).toBe(
      true,
    );
  });

  it('denies a person a policy names by email once they are no longer a member, and says why', () => {
    const d = new OrganizationAccess(data()).decide(socket, tls({ email: 'gone@acme.dev' }));
    expect(d).toMatchObject({ allowed: false, permissions: null, explanation: [] });
    expect(d.reason).toMatch(/gone@acme\.dev is not a member/);
  });

  it('denies a deleted service account that a policy still names', () => {
    const d = new OrganizationAccess(data({ service_accounts: [] })).decide(
      socket,
      tls({ service_account: 'ci' }),
    );
    expect(d.allowed).toBe(false);
    expect(d.reason).toMatch(/service account ci does not exist/);
  });

  it('takes groups from the standing, never from the request', () => {
    const access = new OrganizationAccess(data());
    // alice claims bob's group: the claim is ignored (alice is allowed by email, so use a group-only policy).
    const groupOnly = {
      ...allowAll,
      document: { ...allowAll.document, condition: { who: { group: [GROUP] } } },
    };
    const byGroup = new OrganizationAccess(data({ policies: [groupOnly] }));
    expect(byGroup.decide(socket, tls({ email: 'alice@acme.dev', groups: [GROUP] })).allowed).toBe(false);
    expect(byGroup.decide(socket, tls({ email: 'bob@acme.dev' })).allowed).toBe(true);
    // Leaving the group ends it.
    const left = new OrganizationAccess(
      data({ policies: [groupOnly], identities: [{ email: 'bob@acme.dev', groups: [] }] }),
    );
    expect(left.decide(socket, tls({ email: 'bob@acme.dev' })).allowed).toBe(false);
    expect(access.standingOf({ email: 'bob@acme.dev' })).toEqual({ standing: true, groups: [GROUP] });
  });

  it('denies an identity naming both a person and a service account, or neither', () => {
    const access = new OrganizationAccess(data());
    expect(access.decide(socket, tls({ email: 'alice@acme.dev', service_account: 'ci' })).allowed).toBe(
      false,
    );
    expect(access.decide(socket, tls({})).allowed).toBe(false);
  });

  it('never allows an identity outside the standing, whatever the policies (property)', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.array(fc.emailAddress(), { maxLength: 5 }), (email, members) => {
        const known = members.map((m) => m.toLowerCase());
        const policy = {
          ...allowAll,
          document: { ...allowAll.document, condition: { who: { email: [email, ...members] } } },
        };
        const access = new OrganizationAccess(
          data({ policies: [policy], identities: known.map((m) => ({ email: m, groups: [] })) }),
        );
        const allowed = access.decide(socket, tls({ email })).allowed;
        expect(allowed).toBe(known.includes(email.toLowerCase()));
      }),
    );
  });
});
