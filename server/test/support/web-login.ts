/** Test support: a login code for an HTTP socket's host, as the login page issues after a browser login. */

import { startLoginSession } from '../../src/web-login/login-session-store.js';
import { issueWebLoginCode } from '../../src/web-login/web-session-store.js';
import type { Harness } from '../harness.js';

export async function webLoginCodeOf(
  h: Harness,
  email: string,
  orgId: string,
  host: string,
): Promise<string> {
  const user = await h.services.db
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  const login = await startLoginSession(h.services.db, { userId: user.user_id, ip: null, stage: 'active' });
  return issueWebLoginCode(h.services.db, { loginSessionId: login.id, orgId, host });
}
