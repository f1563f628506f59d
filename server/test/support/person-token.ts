/** Test support: a person with a role in an organization (an account of that organization), and a token of theirs. */

import { addMembership, createAccount } from '../../src/organizations/organization-store.js';
import type { Store } from '../../src/platform/db/database.js';
import { issueToken } from '../../src/tokens/token-store.js';

export async function personToken(db: Store, orgId: string, email: string, role: string): Promise<string> {
  const account = await createAccount(db, orgId, email);
  await addMembership(db, orgId, account, role);
  return (await issueToken(db, { orgId, kind: 'admin', name: role, role, userId: account.id })).secret;
}
