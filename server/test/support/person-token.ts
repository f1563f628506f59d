/** Test support: a person with a role in an organization, and a token of theirs (the secret). */
import type { Store } from '../../src/db/database.js';
import { ensureUser } from '../../src/resources/organization-store.js';
import { issueToken } from '../../src/resources/token-store.js';

export async function personToken(db: Store, orgId: string, email: string, role: string): Promise<string> {
  const userId = await ensureUser(db, email);
  await db.insertInto('memberships').values({ org_id: orgId, user_id: userId, role }).execute();
  return (await issueToken(db, { orgId, kind: 'admin', name: role, role, userId })).secret;
}
