/**
 * Decisions on an identity's current standing: before any policy is read, the identity must be one that may
 * use the organization's sockets now (a member whose role uses sockets, or a service account that exists with
 * such a role). A certificate issued before a removal, a demotion to `read_only` or a deletion names an
 * identity that is no longer here: it is denied whatever the policies say. Groups come from the standing,
 * never from the request, so a caller cannot claim groups it left.
 */
import { PolicyEngine } from './decide.js';
import type { AccessRequest, Decision, Identity, PolicyInput, SocketInput } from './types.js';

/** An organization's policy data, as `GET /api/v1/proxy/organizations/{id}/policy-data` returns it. */
export interface OrganizationPolicyData {
  policies: readonly PolicyInput[];
  /** The members who may use sockets, with the ids of their groups. */
  identities: readonly { email: string; groups: readonly string[] }[];
  /** The names of the service accounts that may use sockets. */
  service_accounts: readonly string[];
}

/**
 * The roles whose holders may use sockets: every role but `read_only`, which sees everything and uses nothing.
 * The server builds its policy data with this set (and tests that it matches its roles' rights).
 */
export const SOCKET_ROLES: ReadonlySet<string> = new Set(['owner', 'admin', 'member', 'client']);

/**
 * The standing part of policy data, from what the API lists to a `read_only` token or above: members with
 * their roles, groups with their members, service accounts with their roles.
 */
export function standingFrom(lists: {
  members: readonly { email: string; role: string }[];
  groups: readonly { id: string; members: readonly { email: string }[] }[];
  serviceAccounts: readonly { name: string; role: string }[];
}): Pick<OrganizationPolicyData, 'identities' | 'service_accounts'> {
  const groupsOf = new Map<string, string[]>();
  for (const group of lists.groups) {
    for (const member of group.members) {
      const email = member.email.toLowerCase();
      groupsOf.set(email, [...(groupsOf.get(email) ?? []), group.id]);
    }
  }
  return {
    identities: lists.members
      .filter((m) => SOCKET_ROLES.has(m.role))
      .map((m) => ({ email: m.email.toLowerCase(), groups: groupsOf.get(m.email.toLowerCase()) ?? [] })),
    service_accounts: lists.serviceAccounts.filter((a) => SOCKET_ROLES.has(a.role)).map((a) => a.name),
  };
}

export type Standing = { standing: true; groups: string[] } | { standing: false; reason: string };

/**
 * @example
 * const access = new OrganizationAccess(await client.get('/api/v1/proxy/organizations/{organization_id}/policy-data', ...));
 * access.decide(socket, { identity: { email: 'alice@acme.dev' }, action: { type: 'tls' } });
 */
export class OrganizationAccess {
  readonly engine: PolicyEngine;
  readonly #groupsByEmail: Map<string, string[]>;
  readonly #serviceAccounts: Set<string>;

  constructor(data: OrganizationPolicyData) {
    this.engine = new PolicyEngine(data.policies);
    this.#groupsByEmail = new Map(data.identities.map((i) => [i.email.toLowerCase(), [...i.groups]]));
    this.#serviceAccounts = new Set(data.service_accounts);
  }

  /** Whether the identity may use sockets at all now, and its groups. Exactly one of email or service account. */
  standingOf(identity: Identity): Standing {
    const email = identity.email?.toLowerCase();
    const account = identity.service_account;
    if ((email === undefined) === (account === undefined)) {
      return { standing: false, reason: 'the identity names neither one person nor one service account' };
    }
    if (email !== undefined) {
      const groups = this.#groupsByEmail.get(email);
      return groups
        ? { standing: true, groups }
        : {
            standing: false,
            reason: `${email} is not a member of the organization, or their role does not use sockets`,
          };
    }
    return this.#serviceAccounts.has(account!)
      ? { standing: true, groups: [] }
      : {
          standing: false,
          reason: `the service account ${account} does not exist, or its role does not use sockets`,
        };
  }

  /** Denies an identity without standing; otherwise decides with its current groups. */
  decide(socket: SocketInput, request: AccessRequest): Decision {
    const standing = this.standingOf(request.identity);
    if (!standing.standing) return withoutStanding(standing.reason);
    return this.engine.decide(socket, {
      ...request,
      identity: { ...request.identity, groups: standing.groups },
    });
  }
}

/** The denial of an identity that may not use sockets now: no policy is consulted. */
export function withoutStanding(reason: string): Decision {
  return { allowed: false, reason: `denied: ${reason}`, permissions: null, explanation: [] };
}
