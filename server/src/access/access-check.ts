/**
 * Decisions for the API: gathers what the policy engine needs (the socket, the identity's current standing
 * and groups, the country of the address, the organization's policies) and decides as the proxies do, with
 * the OrganizationAccess of @border0/sdk/policy over the same policy data.
 */
import {
  type AccessAction,
  compilePolicy,
  decideWith,
  type PolicyInput,
  parseIp,
  type SocketInput,
  type SocketType,
  withoutStanding,
} from '@border0/sdk/policy';
import type { z } from '@hono/zod-openapi';
import { invalid } from '../platform/http/problem.js';
import { loadPolicyData } from '../policies/policy-data-store.js';
import { resolveSocket } from '../policies/policy-store.js';
import type { Services } from '../services.js';
import type { AccessCheck, AccessDecision } from './access-schemas.js';
import { OrganizationAccessCache } from './organization-access-cache.js';

type CheckBody = z.infer<typeof AccessCheck>;
type DecisionBody = z.infer<typeof AccessDecision>;

/** Keyed by organization and the digest of its policy data: a check never sees another's or stale data. */
const accessCache = new OrganizationAccessCache();

/** The organization's current policies and standing, as the proxies decide with them. */
export async function accessFor(services: Services, orgId: string) {
  return accessCache.accessFor(await loadPolicyData(services.db, orgId));
}

/**
 * Decides `body` over the organization's policies, or, for a what-if, over `only` as if it applied to the
 * socket whatever its targets say. Either way an identity without standing (not a member, a role that does
 * not use sockets, a service account that does not exist) is denied before any policy is read.
 */
export async function checkAccess(
  services: Services,
  orgId: string,
  body: CheckBody,
  only?: PolicyInput,
): Promise<DecisionBody> {
  const socketRow = await resolveSocket(services.db, orgId, body.socket, 'socket');
  const socket: SocketInput = {
    id: socketRow.id,
    socket_type: socketRow.socket_type as SocketType,
    tags: socketRow.tags,
  };
  const email = body.identity.email?.toLowerCase();
  const access = accessCache.accessFor(await loadPolicyData(services.db, orgId));
  const standing = access.standingOf({ email, service_account: body.identity.service_account });
  const groups = standing.standing ? standing.groups : [];
  const time = body.time ? new Date(body.time) : new Date();
  if (body.ip !== undefined && !parseIp(body.ip)) throw invalid('ip', 'expected an IPv4 or IPv6 address');
  const country = body.ip === undefined ? null : services.geo.country(body.ip);
  const request = {
    identity: { email, groups, service_account: body.identity.service_account },
    action: body.action as AccessAction,
    ip: body.ip,
    country,
    time,
  };
  const decision = !standing.standing
    ? withoutStanding(standing.reason)
    : only
      ? decideWith([compilePolicy(only)], socket, request)
      : access.engine.decide(socket, request);
  return {
    ...decision,
    socket: { id: socketRow.id, name: socketRow.name, socket_type: socket.socket_type },
    identity: { email: email ?? null, service_account: body.identity.service_account ?? null, groups },
    ip: body.ip ?? null,
    country,
    time: time.toISOString(),
  };
}
