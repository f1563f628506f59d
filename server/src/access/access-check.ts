/**
 * Decisions for the API: gathers what the policy engine needs (the socket, the person's groups, the country
 * of the address, the organization's policies) and asks the engine of @border0/sdk/policy.
 */
import {
  type AccessAction,
  compilePolicy,
  decideWith,
  PolicyEngine,
  type PolicyInput,
  parseIp,
  type SocketInput,
  type SocketType,
} from '@border0/sdk/policy';
import type { z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { invalid } from '../http/problem.js';
import { loadPolicyInputs, resolveSocket } from '../resources/policy-store.js';
import type { AccessCheck, AccessDecision } from '../schemas/access.js';
import type { Services } from '../services.js';

type CheckBody = z.infer<typeof AccessCheck>;
type DecisionBody = z.infer<typeof AccessDecision>;

async function groupsOf(db: Kysely<Database>, orgId: string, email: string): Promise<string[]> {
  const rows = await db
    .selectFrom('group_members as gm')
    .innerJoin('users as u', 'u.id', 'gm.user_id')
    .select('gm.group_id')
    .where('gm.org_id', '=', orgId)
    .where('u.email', '=', email.toLowerCase())
    .orderBy('gm.group_id')
    .execute();
  return rows.map((row) => row.group_id);
}

/**
 * Decides `body` over the organization's policies, or, for a what-if, over `only` as if it applied to the
 * socket whatever its targets say.
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
  const groups = email ? await groupsOf(services.db, orgId, email) : [];
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
  const decision = only
    ? decideWith([compilePolicy(only)], socket, request)
    : new PolicyEngine(await loadPolicyInputs(services.db, orgId)).decide(socket, request);
  return {
    ...decision,
    socket: { id: socketRow.id, name: socketRow.name, socket_type: socket.socket_type },
    identity: { email: email ?? null, service_account: body.identity.service_account ?? null, groups },
    ip: body.ip ?? null,
    country,
    time: time.toISOString(),
  };
}
