/** The typed context variables every route can read (`c.get('principal')`), declared once. */
import type { Logger } from 'pino';
import type { Rights, Role } from '../auth/roles.js';

export interface Principal {
  /** Empty for a proxy, which serves every organization. */
  orgId: string;
  /** The role the token acts as now, for display (see actingRole); `rights` decides. */
  role: Role;
  /** What this token may do now: its role's rights intersected with its holder's current role's. */
  rights: Rights;
  tokenId: string;
  kind: 'admin' | 'service_account' | 'connector' | 'proxy';
  userId: string | null;
  serviceAccountId: string | null;
  connectorId: string | null;
  /** How the audit log names the actor, e.g. `user:alice@acme.dev`, `service_account:ci-bot`, `proxy:eu-1`. */
  actor: string;
}

export interface AppEnv {
  Variables: {
    /** The server's own id of the request (request-id.ts). */
    requestId: string;
    /** The caller's `X-Request-Id`, when it is one we keep. */
    clientRequestId: string | undefined;
    logger: Logger;
    principal: Principal;
  };
}
