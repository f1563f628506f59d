/** Test support: an invitation of `email` by a new organization of another person; its code. */
import { createClient } from '@border0/sdk';
import { createOrganization } from '../../src/organizations/organization-store.js';
import { issueToken } from '../../src/tokens/token-store.js';
import type { Harness } from '../harness.js';

let made = 0;

export async function invitationOf(h: Harness, email: string, role: 'member' | 'client' = 'member') {
  const name = `inviter-${process.pid}-${++made}`;
  const { organization, owner } = await createOrganization(h.services.db, {
    name,
    owner: { email: `owner@${name}.dev` },
  });
  const token = await issueToken(h.services.db, {
    orgId: organization.id,
    kind: 'admin',
    name: 'owner',
    role: 'owner',
    userId: owner.id,
  });
  const inviter = createClient({ baseUrl: 'http://test', token: token.secret, fetch: h.fetch });
  const invitation = await inviter.post('/api/v1/invitations', { body: { email, role } });
  return invitation.code;
}
